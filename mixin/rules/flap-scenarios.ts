// For every flap-guarded alert: the series of one target (or pool) in a good and in a bad state. The
// flap tests (flap-tests.ts) alternate the two on every probe, and hold the bad state, to show that the
// `for:` policy ignores the first and catches the second.

export interface FlapSeries {
  series: string;
  good: number;
  bad: number;
}

export interface FlapScenario {
  alert: string;
  /** Series that change with the state. */
  changing: FlapSeries[];
  /** Series that hold one value throughout. */
  steady?: { series: string; value: number }[];
}

const T = 'target="pool.example.net:25",group="pool"';
const DAY = 86400;

/** Two addresses of one MX host of a watched domain: the target label and its smtp_target_info. */
const MX = (address: string, family: 'ipv4' | 'ipv6') => {
  const target = `target="mx.example.org:25[${address}]",group="inbound"`;
  const info = `smtp_target_info{${target},host="mx.example.org",port="25",address="${address}",domain="example.org",mx_host="mx.example.org",mx_preference="10",family="${family}"}`;
  return { target, info };
};
const A = MX('192.0.2.10', 'ipv4');
const B = MX('192.0.2.11', 'ipv4');
const V6 = MX('2001:db8::10', 'ipv6');
const MX_INFO = [A, B, V6].map((m) => ({ series: m.info, value: 1 }));
const ENFORCED = { series: 'smtp_mta_sts_policy_info{domain="example.org",mode="enforce",id="20260101"}', value: 1 };

export const FLAP_SCENARIOS: readonly FlapScenario[] = [
  { alert: 'EhloProbeFailing', changing: [{ series: `smtp_probe_success{${T}}`, good: 1, bad: 0 }] },
  {
    alert: 'SmtpServiceUnavailable',
    changing: [
      { series: `smtp_probe_success{${T}}`, good: 1, bad: 0 },
      { series: `smtp_reply_code{${T},stage="greeting"}`, good: 220, bad: 421 },
    ],
  },
  { alert: 'SmtpSizeLimitDecreased', changing: [{ series: `smtp_size_limit_bytes{${T},tls="false"}`, good: 52428800, bad: 10485760 }] },
  {
    alert: 'SmtpExtensionLost',
    changing: [{ series: `smtp_extension_advertised{${T},extension="PIPELINING",tls="false"}`, good: 1, bad: 0 }],
    steady: [{ series: `smtp_probe_success{${T}}`, value: 1 }],
  },
  {
    alert: 'SmtpStartTlsLost',
    changing: [{ series: `smtp_extension_advertised{${T},extension="STARTTLS",tls="false"}`, good: 1, bad: 0 }],
    steady: [{ series: `smtp_probe_success{${T}}`, value: 1 }],
  },
  {
    alert: 'SmtpAuthBeforeTls',
    changing: [{ series: `smtp_auth_mechanism_advertised{${T},mechanism="PLAIN",tls="false"}`, good: 0, bad: 1 }],
    steady: [{ series: `smtp_starttls_advertised{${T}}`, value: 1 }],
  },
  { alert: 'SmtpExpectationNotMet', changing: [{ series: `smtp_expectation_met{${T},expectation="min_size_bytes"}`, good: 1, bad: 0 }] },
  { alert: 'SmtpTlsCertExpiringSoon', changing: [{ series: `smtp_tls_cert_not_after_timestamp_seconds{${T}}`, good: 90 * DAY, bad: 10 * DAY }] },
  { alert: 'SmtpTlsCertExpired', changing: [{ series: `smtp_tls_cert_not_after_timestamp_seconds{${T}}`, good: 90 * DAY, bad: -DAY }] },
  {
    alert: 'SmtpTlsCertNotVerified',
    changing: [{ series: `smtp_tls_cert_verified{${T}}`, good: 1, bad: 0 }],
    steady: [{ series: `smtp_tls_cert_not_after_timestamp_seconds{${T}}`, value: 90 * DAY }],
  },
  {
    alert: 'SmtpPoolSizeDrift',
    changing: [{ series: 'smtp_size_limit_bytes{target="b.example.net:25",group="pool",tls="false"}', good: 10485760, bad: 20971520 }],
    steady: [{ series: 'smtp_size_limit_bytes{target="a.example.net:25",group="pool",tls="false"}', value: 10485760 }],
  },
  {
    alert: 'SmtpPoolExtensionDrift',
    changing: [{ series: 'smtp_extension_advertised{target="b.example.net:25",group="pool",extension="PIPELINING",tls="false"}', good: 1, bad: 0 }],
    steady: [
      { series: 'smtp_extension_advertised{target="a.example.net:25",group="pool",extension="PIPELINING",tls="false"}', value: 1 },
      { series: 'smtp_extension_advertised{target="a.example.net:25",group="pool",extension="8BITMIME",tls="false"}', value: 1 },
      { series: 'smtp_extension_advertised{target="b.example.net:25",group="pool",extension="8BITMIME",tls="false"}', value: 1 },
    ],
  },
  {
    alert: 'SmtpDomainNoWorkingMx',
    changing: [A, B, V6].map((m) => ({ series: `smtp_probe_success{${m.target}}`, good: 1, bad: 0 })),
    steady: MX_INFO,
  },
  {
    alert: 'SmtpDomainSizeDrift',
    changing: [{ series: `smtp_size_limit_bytes{${B.target},tls="false"}`, good: 10485760, bad: 1000 }],
    steady: [...MX_INFO, { series: `smtp_size_limit_bytes{${A.target},tls="false"}`, value: 10485760 }],
  },
  {
    alert: 'SmtpDomainStartTlsDrift',
    changing: [{ series: `smtp_starttls_advertised{${B.target}}`, good: 1, bad: 0 }],
    steady: [...MX_INFO, { series: `smtp_starttls_advertised{${A.target}}`, value: 1 }],
  },
  {
    alert: 'SmtpDomainExtensionDrift',
    changing: [{ series: `smtp_extension_advertised{${B.target},extension="CHUNKING",tls="false"}`, good: 1, bad: 0 }],
    steady: [
      ...MX_INFO,
      { series: `smtp_extension_advertised{${A.target},extension="CHUNKING",tls="false"}`, value: 1 },
      { series: `smtp_extension_advertised{${A.target},extension="PIPELINING",tls="false"}`, value: 1 },
      { series: `smtp_extension_advertised{${B.target},extension="PIPELINING",tls="false"}`, value: 1 },
    ],
  },
  {
    alert: 'SmtpIpv6FailingIpv4Works',
    changing: [{ series: `smtp_probe_success{${V6.target}}`, good: 1, bad: 0 }],
    steady: [...MX_INFO, { series: `smtp_probe_success{${A.target}}`, value: 1 }],
  },
  {
    alert: 'SmtpMtaStsMxNotCompliant',
    changing: [{ series: `smtp_mta_sts_compliant{${A.target}}`, good: 1, bad: 0 }],
    steady: [...MX_INFO, ENFORCED, { series: `smtp_mta_sts_mx_covered{${A.target}}`, value: 1 }],
  },
  {
    alert: 'SmtpDaneTlsaMismatch',
    changing: [{ series: `smtp_dane_tlsa_match{${A.target}}`, good: 1, bad: 0 }],
    steady: [{ series: `smtp_dane_presented_certificate_info{${A.target},spki_sha256="${'ab'.repeat(32)}",cert_sha256="${'cd'.repeat(32)}"}`, value: 1 }],
  },
];
