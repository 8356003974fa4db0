// `groups:` and their `targets:`, read into raw layers with the nodes kept for line numbers;
// merging and the duplicate checks happen in resolve-targets.ts, once names are known.
import { isMap, isScalar } from 'yaml';
import type { Node } from 'yaml';
import { childPath, type NodeReader } from './node-reader.js';
import { emptyLayer, LAYER_KEYS, readProbeLayer, type ProbeLayer } from './read-probe-layer.js';
import { ProbeInputError } from '../probe/probe-input-error.js';
import { parseTargetAddress, type TargetAddress } from '../probe/target-address.js';

export const DEFAULT_PORT = 25;

export interface RawTarget {
  /** Normalised `host:port` / `[v6]:port`: the default name, and the key for duplicates in a group. */
  address: string;
  host: string;
  port: number;
  name: string | null;
  node: Node | null;
  path: string;
  layer: ProbeLayer;
}

export interface RawGroup {
  name: string | null;
  node: Node | null;
  path: string;
  layer: ProbeLayer;
  targets: RawTarget[];
}

const GROUP_KEYS = ['name', 'targets', ...LAYER_KEYS] as const;
const TARGET_KEYS = ['target', 'name', ...LAYER_KEYS.filter((k) => k !== 'schedule')] as const;
const TARGET_MISPLACED = {
  schedule: 'a schedule belongs to the group (every target of a group is probed in the same rounds); put this target in a group of its own',
};

export function readGroups(r: NodeReader, node: Node | null, path: string): RawGroup[] {
  const items = r.seq(node, path);
  if (items === undefined) return [];
  if (items.length === 0) {
    r.report(r.resolve(node), path, 'at least one group is required');
    return [];
  }
  return items.map((item, i) => readGroup(r, item, childPath(path, i)));
}

function readGroup(r: NodeReader, node: Node | null, path: string): RawGroup {
  const group: RawGroup = { name: null, node, path, layer: emptyLayer(), targets: [] };
  if (r.isNull(node)) {
    r.report(node, path, 'expected a mapping with "name" and "targets", got nothing');
    return group;
  }
  const entries = r.map(node, path, GROUP_KEYS);
  if (entries === undefined) return group;
  const name = r.required(entries, 'name', node, path);
  if (name !== undefined) group.name = readName(r, name.value, childPath(path, 'name'));
  group.layer = readProbeLayer(r, entries, path);
  const targets = r.required(entries, 'targets', node, path);
  if (targets !== undefined) {
    const tpath = childPath(path, 'targets');
    const items = r.seq(targets.value, tpath);
    if (items !== undefined && items.length === 0) {
      r.report(r.resolve(targets.value), tpath, 'a group needs at least one target');
    }
    items?.forEach((item, i) => {
      const t = readTarget(r, item, childPath(tpath, i));
      if (t !== undefined) group.targets.push(t);
    });
  }
  return group;
}

/** A group or target name: it becomes a label value, a log field and a /probe?target= value, so no control characters. */
function readName(r: NodeReader, node: Node | null, path: string): string | null {
  const name = r.string(node, path);
  if (name === undefined) return null;
  if (/[\x00-\x1f\x7f]/.test(name)) {
    r.report(r.resolve(node), path, `must not contain control characters (newline, tab, NUL, …), got ${JSON.stringify(name)}`);
    return null;
  }
  return name;
}

function readTarget(r: NodeReader, node: Node | null, path: string): RawTarget | undefined {
  // Short form: just the target string.
  if (isScalar(node)) {
    const parsed = readAddress(r, node, path);
    if (parsed === undefined) return undefined;
    return { address: parsed.target, host: parsed.host, port: parsed.port, name: null, node, path, layer: emptyLayer() };
  }
  if (!isMap(node)) {
    r.report(node, path, 'expected a target string such as mx.example.com:25, or a mapping with "target"');
    return undefined;
  }
  const entries = r.map(node, path, TARGET_KEYS, TARGET_MISPLACED);
  if (entries === undefined) return undefined;
  const layer = readProbeLayer(r, entries, path);
  let name: string | null = null;
  const nameEntry = entries.get('name');
  if (nameEntry !== undefined) name = readName(r, nameEntry.value, childPath(path, 'name'));
  const target = r.required(entries, 'target', node, path);
  if (target === undefined) return undefined;
  const parsed = readAddress(r, r.resolve(target.value), childPath(path, 'target'));
  if (parsed === undefined) return undefined;
  return { address: parsed.target, host: parsed.host, port: parsed.port, name, node, path, layer };
}

/** One parser for target strings, shared with `ehlo-exporter probe` and /probe. */
function readAddress(r: NodeReader, node: Node | null, path: string): TargetAddress | undefined {
  const text = r.string(node, path);
  if (text === undefined) return undefined;
  try {
    return parseTargetAddress(text, DEFAULT_PORT);
  } catch (e) {
    if (!(e instanceof ProbeInputError)) throw e;
    r.report(node, path, e.code === 'ERR_TARGET_PORT' ? portMessage(text) : e.message);
    return undefined;
  }
}

/** The port range in the words the config docs use; the parser has already found the port text. */
function portMessage(text: string): string {
  const port = text.trim().slice(text.trim().lastIndexOf(':') + 1);
  return /^\d+$/.test(port) ? `port must be 1–65535, got ${Number(port)}` : `port must be a number 1–65535, got "${port}"`;
}
