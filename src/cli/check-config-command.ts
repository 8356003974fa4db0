// `ehlo-exporter check-config FILE`: validate like `promtool check config` (progress on `out`,
// problems on `err`), print the fleet as it will run, exit 0 or 1. Output goes through the given
// writers so that tests and main.ts choose where it lands.
import { ConfigError, formatProblem } from '../config/config-error.js';
import { formatResolvedConfig } from '../config/format-resolved-config.js';
import { loadConfigFile, type LoadConfigOptions } from '../config/load-config.js';

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** 0 when the file is a valid config, 1 when not; throws only for bugs, never for a bad file. */
export function runCheckConfig(
  file: string,
  out: (line: string) => void,
  err: (line: string) => void,
  options: LoadConfigOptions = {},
): number {
  out(`Checking ${file}`);
  try {
    const cfg = loadConfigFile(file, options);
    out(`  SUCCESS: ${count(cfg.groups.length, 'group')}, ${count(cfg.targets.length, 'target')} found`);
    for (const line of formatResolvedConfig(cfg).split('\n')) out(line);
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`  FAILED: ${count(e.problems.length, 'problem')} (${e.code})`);
    for (const p of e.problems) err(formatProblem(p));
    return 1;
  }
}
