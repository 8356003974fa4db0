// Finding and running the real Prometheus tools (Debian's promtool and amtool) from tests.
// A missing tool skips its tests on a developer machine, and fails them in CI (CI=true), where the
// tools are installed on purpose and their absence is a broken pipeline, not a reason to pass.
import { spawnSync } from 'node:child_process';

export const IN_CI = process.env.CI === 'true';

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function toolAvailable(name: string): boolean {
  const r = spawnSync(name, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  return r.error === undefined && r.status === 0;
}

/** The suffix for a test title: empty when the tool is there, otherwise why the test is skipped. */
export function skipReason(name: string, available: boolean): string {
  return available ? '' : ` (skipped: ${name} is not installed; apt-get install prometheus / prometheus-alertmanager)`;
}

/** Whether tests needing the tool should be skipped: only when it is missing outside CI. */
export function shouldSkip(available: boolean): boolean {
  return !available && !IN_CI;
}

export function runTool(name: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): ToolRun {
  const r = spawnSync(name, args, { encoding: 'utf8', cwd: options.cwd, timeout: options.timeoutMs ?? 60_000 });
  if (r.error) {
    throw new Error(`${name} could not run (${r.error.message})${IN_CI ? '; CI=true requires it' : ''}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
