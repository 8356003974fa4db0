// The end-to-end alerting set-up of the domain and policy tests: the built exporter on a config
// written into `dir`, and Prometheus (the shipped rules, every `for:` shortened) with Alertmanager
// routing to a webhook in the test.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startExporter, type ExporterProcess } from './exporter-process.js';
import { startAlertingStack, type AlertingStack } from './prometheus-stack.js';

/** Seconds every shipped `for:` becomes: production waits minutes. */
export const E2E_FOR_SECONDS = 3;

export async function startExporterWithAlerting(dir: string, configLines: readonly string[]): Promise<{ exporter: ExporterProcess; stack: AlertingStack }> {
  const configFile = join(dir, 'ehlo-exporter.yml');
  writeFileSync(configFile, [...configLines, ''].join('\n'));
  const exporter = await startExporter([`--config.file=${configFile}`, `--storage.path=${join(dir, 'state.db')}`, '--log.level=warn']);
  try {
    const stack = await startAlertingStack({ dir, exporter: `127.0.0.1:${exporter.port}`, forSeconds: E2E_FOR_SECONDS });
    return { exporter, stack };
  } catch (error) {
    await exporter.stop();
    throw error;
  }
}
