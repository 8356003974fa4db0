// The built exporter as a process: 20 SIGHUPs sent 5 ms apart (distinct signals, which the kernel
// does not merge) coalesce into at most two reloads, the same gate POST /-/reload goes through.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startExporter, type ExporterProcess } from '../support/exporter-process.js';
import { waitFor } from '../support/wait-for.js';

const dir = mkdtempSync(join(tmpdir(), 'ehlo-sighup-'));
let exporter: ExporterProcess | null = null;
afterAll(async () => {
  await exporter?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('20 SIGHUPs in 100 ms run at most two reloads', async () => {
  const configFile = join(dir, 'ehlo-exporter.yml');
  // Probed once a year: the test is about reloads, not probes.
  writeFileSync(configFile, ['defaults:', '  schedule: "0 0 1 1 *"', 'groups:', '  - name: g', '    targets: ["127.0.0.1:25"]', ''].join('\n'));
  exporter = await startExporter([`--config.file=${configFile}`, `--storage.path=${join(dir, 'state.db')}`, '--log.format=logfmt']);
  const reloads = () => exporter!.log().split('\n').filter((l) => l.includes('msg="config reloaded"')).length;
  for (let i = 0; i < 20; i++) {
    exporter.child.kill('SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await waitFor('the first reload', () => reloads() >= 1 || undefined);
  // Give a wrongly uncoalesced exporter time to run the other 19.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(reloads()).toBeLessThanOrEqual(2);
  expect(exporter.log()).not.toContain('reload failed');
});
