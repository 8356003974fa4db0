// The one error the config loader throws: every problem found, each naming file, line and path,
// so a person fixes the whole file in one pass (as promtool reports) instead of one error per run.

export type ConfigErrorCode =
  /** The file could not be read: missing, no permission, or a directory. */
  | 'ERR_CONFIG_UNREADABLE'
  /** The text is not valid YAML. */
  | 'ERR_CONFIG_YAML'
  /** Valid YAML that does not describe a valid configuration. */
  | 'ERR_CONFIG_INVALID';

export interface ConfigProblem {
  file: string;
  /** 1-based; null when the problem is about the file as a whole (e.g. unreadable). */
  line: number | null;
  /** Where in the document, e.g. `groups[1].targets[3]`; empty when it is not about one value. */
  path: string;
  message: string;
}

/** `<file>:<line>: <path>: <problem>`, dropping the parts a problem does not have. */
export function formatProblem(p: ConfigProblem): string {
  let head = p.file;
  if (p.line !== null) head += `:${p.line}`;
  return p.path === '' ? `${head}: ${p.message}` : `${head}: ${p.path}: ${p.message}`;
}

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly problems: readonly ConfigProblem[];

  constructor(code: ConfigErrorCode, problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid configuration (${count}):\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
    this.code = code;
    this.problems = Object.freeze(problems.map((p) => Object.freeze({ ...p })));
  }
}
