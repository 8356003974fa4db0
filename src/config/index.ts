// The config module's public face: load, parse, list; everything else here is its inside.
export { ConfigError, formatProblem } from './config-error.js';
export type { ConfigErrorCode, ConfigProblem } from './config-error.js';
export { formatDuration, parseDuration } from './duration.js';
export { formatResolvedConfig } from './format-resolved-config.js';
export { loadConfigFile, parseConfigText } from './load-config.js';
export type { LoadConfigOptions } from './load-config.js';
export type * from './types.js';
