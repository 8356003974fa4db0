// `promtool check metrics` over an exposition: clean output and exit 0. Skips (saying why) where
// promtool is not installed, and fails under CI=true, so a green CI never hides an unchecked file.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, type TestContext } from 'vitest';

export const PROMTOOL = '/usr/bin/promtool';

export function expectPromtoolClean(text: string, ctx: TestContext): void {
  if (!existsSync(PROMTOOL)) {
    if (process.env.CI === 'true') throw new Error(`${PROMTOOL} is missing; CI must install promtool (Debian package prometheus)`);
    return ctx.skip(`${PROMTOOL} not installed (apt install prometheus); required when CI=true`);
  }
  const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 15_000 });
  expect(run.error).toBeUndefined();
  expect(`${run.stdout}${run.stderr}`).toBe('');
  expect(run.status).toBe(0);
}
