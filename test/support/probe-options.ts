// The probe options the probe tests start from: STARTTLS when offered, no extra CA, a certificate
// that does not verify recorded rather than fatal. Each test says only what it changes.
import type { ProbeOptions } from '../../src/probe/probe-options.js';

export type ProbeOptionChanges = Partial<Omit<ProbeOptions, 'tls'>> & { tls?: Partial<ProbeOptions['tls']> };

export function probeOptions(changes: ProbeOptionChanges = {}): ProbeOptions {
  const { tls, ...rest } = changes;
  return {
    heloName: 'probe.example.net',
    starttls: 'auto',
    implicitTls: false,
    timeoutSeconds: 5,
    ...rest,
    tls: { serverName: null, ca: null, failOnVerifyError: false, ...tls },
  };
}
