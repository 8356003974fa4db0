// `groups:` and their `targets:`, read into raw layers with the nodes kept for line numbers;
// merging and the duplicate checks happen in resolve-targets.ts, once names are known.
import { isScalar } from 'yaml';
import type { Node } from 'yaml';
import { childPath, type NodeReader } from './node-reader.js';
import { emptyLayer, LAYER_KEYS, readProbeLayer, type ProbeLayer } from './read-probe-layer.js';
import { parseTargetString } from './target-string.js';

export const DEFAULT_PORT = 25;

export interface RawTarget {
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
  if (name !== undefined) group.name = r.string(name.value, childPath(path, 'name')) ?? null;
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

function readTarget(r: NodeReader, node: Node | null, path: string): RawTarget | undefined {
  // Short form: just the target string.
  if (isScalar(node)) {
    const text = r.string(node, path);
    if (text === undefined) return undefined;
    const parsed = parseTargetString(text, DEFAULT_PORT);
    if (!parsed.ok) {
      r.report(node, path, parsed.message);
      return undefined;
    }
    return { host: parsed.host, port: parsed.port, name: null, node, path, layer: emptyLayer() };
  }
  const entries = r.map(node, path, TARGET_KEYS, TARGET_MISPLACED);
  if (entries === undefined) return undefined;
  const layer = readProbeLayer(r, entries, path);
  let name: string | null = null;
  const nameEntry = entries.get('name');
  if (nameEntry !== undefined) name = r.string(nameEntry.value, childPath(path, 'name')) ?? null;
  const target = r.required(entries, 'target', node, path);
  if (target === undefined) return undefined;
  const tpath = childPath(path, 'target');
  const text = r.string(target.value, tpath);
  if (text === undefined) return undefined;
  const parsed = parseTargetString(text, DEFAULT_PORT);
  if (!parsed.ok) {
    r.report(r.resolve(target.value), tpath, parsed.message);
    return undefined;
  }
  return { host: parsed.host, port: parsed.port, name, node, path, layer };
}
