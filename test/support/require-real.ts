// Tests against real software (Postfix, promtool, Prometheus, Alertmanager) run where it is
// installed. Without it they skip locally, but under CI=true a missing dependency is a failure,
// so a green CI can never hide a test that did not run.
import { describe } from 'vitest';

export function describeWithReal(name: string, unavailableReason: string | null, body: () => void): void {
  if (unavailableReason === null) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      throw new Error(`${name}: required in CI but unavailable: ${unavailableReason}`);
    });
  } else {
    describe.skip(`${name} (skipped: ${unavailableReason})`, body);
  }
}
