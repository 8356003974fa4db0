// Loading: read the file, parse YAML keeping positions, read every section collecting problems,
// resolve the fleet, and either return one frozen ExporterConfig or throw one ConfigError.
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { Node, YAMLError } from 'yaml';
import { defaultHeloName } from '../probe/probe-options.js';
import type { ExporterConfig } from './types.js';
import { FileReadError, MAX_CONFIG_FILE_BYTES, readBoundedFile } from './bounded-file.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { deepFreeze } from './deep-freeze.js';
import { NodeReader } from './node-reader.js';
import { DEFAULT_DNS, readDns, readProbeEndpoint, readPoliteness, readStorage } from './read-globals.js';
import { readGroups } from './read-groups.js';
import { DEFAULT_POLICY, readPolicy } from './read-policy.js';
import { emptyLayer, LAYER_KEYS, readProbeLayer } from './read-probe-layer.js';
import { resolveDefaults, resolveGroups } from './resolve-targets.js';

export interface LoadConfigOptions {
  /** EHLO name when the config sets none; default: the probe's defaultHeloName() (the machine's FQDN). */
  defaultHeloName?: string;
}

const ROOT_KEYS = ['defaults', 'politeness', 'probe_endpoint', 'storage', 'dns', 'policy', 'groups'] as const;

export function loadConfigFile(file: string, options: LoadConfigOptions = {}): ExporterConfig {
  let text: string;
  try {
    text = readBoundedFile(file, MAX_CONFIG_FILE_BYTES).toString('utf8');
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    throw unreadable(file, `cannot read config file: ${e.reason}`);
  }
  return parseConfigText(text, file, options);
}

function unreadable(file: string, message: string): ConfigError {
  return new ConfigError('ERR_CONFIG_UNREADABLE', [{ file, line: null, path: '', message }]);
}

export function parseConfigText(text: string, file: string, options: LoadConfigOptions = {}): ExporterConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // Warnings (e.g. an unknown !tag silently read as a string) are errors here: strict means strict.
  // Out of stack, the parser's later errors are consequences of the first: report that one alone.
  const exhausted = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
  const yamlErrors = exhausted === undefined ? [...doc.errors, ...doc.warnings] : [exhausted];
  const yamlProblems = yamlErrors.map((e) => yamlProblem(e, text, file, lineCounter));
  if (yamlProblems.length > 0) throw new ConfigError('ERR_CONFIG_YAML', sortByLine(yamlProblems));

  const r = new NodeReader(file, lineCounter, doc);
  const root = r.resolve(doc.contents as Node | null);
  if (r.isNull(root)) {
    r.report(1, '', 'the file is empty; it needs at least "groups"');
    throw new ConfigError('ERR_CONFIG_INVALID', r.problems);
  }
  if (!isMap(root)) {
    r.report(root, '', 'the top level must be a mapping with "groups" and optional "defaults", "politeness", "probe_endpoint", "storage", "dns", "policy"');
    throw new ConfigError('ERR_CONFIG_INVALID', r.problems);
  }
  const entries = r.map(root, '', ROOT_KEYS) ?? new Map();
  const value = (key: string): Node | null => entries.get(key)?.value ?? null;

  const defaultsNode = value('defaults');
  const defaultsEntries = r.map(defaultsNode, 'defaults', LAYER_KEYS);
  const defaultsLayer = defaultsEntries === undefined ? emptyLayer() : readProbeLayer(r, defaultsEntries, 'defaults');
  const defaults = {
    layer: defaultsLayer,
    node: defaultsNode,
    path: 'defaults',
    helo_name: options.defaultHeloName ?? defaultHeloName(),
  };
  const politeness = readPoliteness(r, value('politeness'), 'politeness');
  const probeEndpoint = readProbeEndpoint(r, value('probe_endpoint'), 'probe_endpoint');
  const storage = readStorage(r, value('storage'), 'storage');
  const dns = readDns(r, value('dns'), 'dns', DEFAULT_DNS);
  const policy = readPolicy(r, value('policy'), 'policy', DEFAULT_POLICY);
  const groupsEntry = r.required(entries, 'groups', root, '');
  const rawGroups = groupsEntry === undefined ? [] : readGroups(r, groupsEntry.value, 'groups');
  const groups = resolveGroups(r, defaults, rawGroups, dns, policy);

  if (r.problems.length > 0) throw new ConfigError('ERR_CONFIG_INVALID', sortByLine(r.problems));
  return deepFreeze({
    file,
    defaults: resolveDefaults(defaults),
    politeness,
    probe_endpoint: probeEndpoint,
    storage,
    dns,
    policy,
    groups,
    targets: groups.flatMap((g) => g.targets),
    domains: groups.flatMap((g) => g.domains),
  });
}

function sortByLine(problems: ConfigProblem[]): ConfigProblem[] {
  // Stable: problems on one line keep the order they were found in.
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function yamlProblem(e: YAMLError, text: string, file: string, lineCounter: LineCounter): ConfigProblem {
  const line = lineCounter.linePos(e.pos[0]).line || 1;
  let message: string;
  switch (e.code) {
    case 'MULTIPLE_DOCS':
      message = 'the file holds more than one YAML document (a second "---"); keep everything in one';
      break;
    case 'DUPLICATE_KEY': {
      const key = (text.slice(e.pos[0]).split(/[:\n]/)[0] ?? '').trim();
      message = `duplicate key ${key}: a key may appear only once in a mapping`;
      break;
    }
    case 'RESOURCE_EXHAUSTION':
      // The parser ran out of stack: only absurdly deep nesting does that, and a config needs a few levels.
      message = 'the document is nested too deeply to read; a config needs only a few levels of lists and mappings';
      break;
    default:
      message = e.message;
  }
  return { file, line, path: '', message: `YAML syntax error: ${message}` };
}
