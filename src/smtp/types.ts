// Protocol-level facts of one SMTP session (RFC 5321, 3207, 1870, 4954, 9422), as plain data.
// Nothing here knows about Prometheus, fastify, cron or the exporter's config format.

/** One complete SMTP reply: every line of a (possibly multi-line) reply with the same code. */
export interface Reply {
  code: number;
  /** The text of each line after the code and separator, without CRLF. */
  lines: string[];
}

/** What RFC 1870 SIZE tells us. */
export interface SizeFacts {
  /** The SIZE keyword appeared at all. */
  advertised: boolean;
  /** `SIZE n` with n > 0; null for absent, bare `SIZE`, `SIZE 0` or an unparseable value. */
  limit_bytes: number | null;
  /** `SIZE 0`: the server declares no fixed maximum. */
  no_fixed_limit: boolean;
}

/**
 * The meaning of one EHLO reply, parsed once into a keyword map (RFC 5321 §4.1.1.1). Immutable once
 * parsed: results, baselines and stored states share these objects.
 */
export interface EhloFacts {
  /** The domain the server named on the first line, if any. */
  readonly domain: string | null;
  /** Upper-cased ehlo-keyword → its parameters, in the order the server sent them; duplicates merged. */
  readonly keywords: Readonly<Record<string, readonly string[]>>;
  /** Upper-cased keywords, sorted. */
  readonly extensions: readonly string[];
  readonly size: Readonly<SizeFacts>;
  /** Upper-cased SASL mechanisms from AUTH (and old-style AUTH=), sorted, unique. */
  readonly auth_mechanisms: readonly string[];
  /** RFC 9422 LIMITS: upper-cased limit name → value, e.g. { RCPTMAX: 100 }. */
  readonly limits: Readonly<Record<string, number>>;
  /** Lines that did not match the ehlo-line grammar, verbatim (bounded). */
  readonly malformed: readonly string[];
}

export interface CertificateFacts {
  subject: string;
  sans: string[];
  issuer: string;
  /** ISO 8601. */
  not_before: string;
  /** ISO 8601. */
  not_after: string;
  /** Upper-case hex with colons, as openssl prints it. */
  fingerprint_sha256: string;
}

export interface TlsFacts {
  /** How TLS began: after STARTTLS, or implicitly at connect (RFC 8314). */
  mode: 'starttls' | 'implicit';
  /** e.g. "TLSv1.3" */
  version: string | null;
  /** e.g. "TLS_AES_256_GCM_SHA384" */
  cipher: string | null;
  /** The leaf certificate, recorded whether or not it verifies. */
  cert: CertificateFacts | null;
  /** The earliest not_after among every certificate the server presented (ISO 8601). */
  chain_earliest_not_after: string | null;
  verified: boolean;
  /** Node's/OpenSSL's reason when not verified, e.g. CERT_HAS_EXPIRED or ERR_TLS_CERT_ALTNAME_INVALID. */
  verify_error: string | null;
  /** The presented chain checked against TLSA records; present only when the session was asked to check DANE. */
  dane?: DaneFacts;
}

/** One TLSA record (RFC 6698 §2.1): certificate usage, selector, matching type, association data. */
export interface TlsaRecord {
  usage: number;
  selector: number;
  matching_type: number;
  /** Lower-case hex. */
  data: string;
}

/** What a session checks the presented chain against when asked for DANE (RFC 7672 §3). */
export interface DaneCheck {
  records: TlsaRecord[];
  /** Reference identifiers for DANE-TA (RFC 7672 §3.2.2): the MX host name (and the domain when the MX RRset was secure). */
  names: string[];
}

export interface DaneFacts {
  /** Records with usage 2|3, selector 0|1, matching type 0|1|2 and a digest of the right length (RFC 7672 §3.1.3: usages 0 and 1 are unusable for SMTP). */
  usable_records: number;
  /** The first usable record that authenticated the presented chain; null when none did. */
  matched: TlsaRecord | null;
  /** null when matched; else why not. */
  failure: 'no_usable_records' | 'no_match' | 'name_mismatch' | 'no_certificate' | null;
  /** Hex SHA-256 of the presented leaf's SubjectPublicKeyInfo and of its whole DER (for alert texts); null without a certificate. */
  leaf_spki_sha256: string | null;
  leaf_cert_sha256: string | null;
}

export type Phase =
  | 'connect'
  | 'greeting'
  | 'ehlo'
  | 'starttls'
  | 'tls_handshake'
  | 'ehlo_tls'
  | 'quit'
  | 'total';

export interface TranscriptEntry {
  /** Seconds since the probe started (monotonic clock). */
  t: number;
  /** C: client sent, S: server sent, '*': an event such as connect or TLS established. */
  dir: 'C' | 'S' | '*';
  line: string;
}

export type StartTlsMode = 'auto' | 'never' | 'required';
