// The architecture you can see from the tree, enforced: data flows config → schedule → probe →
// smtp, results flow into state, metrics and http only read state. The SMTP code knows nothing of
// Prometheus, fastify, cron or our config format; metrics know nothing of sockets; only main.ts
// touches the process.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** Which src/ folders each folder may import from (besides itself). Type-only imports count too. */
const ALLOWED: Record<string, readonly string[]> = {
  smtp: [],
  probe: ['smtp'],
  discovery: ['smtp'],
  config: ['probe', 'smtp', 'discovery'],
  state: ['probe', 'smtp', 'config'],
  metrics: ['state', 'probe', 'smtp', 'config'],
  http: ['metrics', 'state', 'probe', 'smtp', 'config', 'discovery', 'rate-limit'],
  schedule: ['probe', 'state', 'config', 'discovery', 'smtp', 'rate-limit'],
  cli: ['probe', 'config', 'smtp', 'discovery'],
  logging: [],
  'rate-limit': [],
  version: [],
};

/** Packages that belong to one layer only. */
const PACKAGE_OWNERS: Record<string, readonly string[]> = {
  'prom-client': ['metrics', 'http'],
  fastify: ['http'],
  'node-cron': ['schedule', 'config'],
  'better-sqlite3': ['state'],
  // discovery: the MTA-STS policy fetch (node:https) trusts Node's roots plus the configured CA.
  'node:tls': ['smtp', 'http', 'discovery'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const sources = files(SRC).map((path) => ({ path, rel: relative(SRC, path), text: readFileSync(path, 'utf8') }));
const layerOf = (rel: string) => (rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : rel.replace(/\.ts$/, ''));
const importsOf = (text: string) => [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

it('every src folder imports only from the layers below it', () => {
  const violations: string[] = [];
  for (const { path, rel, text } of sources) {
    const layer = layerOf(rel);
    if (layer === 'main' || layer === 'app' || layer === 'bench') continue;
    const allowed = ALLOWED[layer];
    expect(allowed, `${rel}: src/${layer}/ is not in the layer table`).toBeDefined();
    for (const spec of importsOf(text)) {
      if (spec.startsWith('.')) {
        const target = layerOf(relative(SRC, resolve(dirname(path), spec)));
        if (target !== layer && !allowed!.includes(target)) violations.push(`${rel} imports ${spec} (${layer} → ${target})`);
      } else {
        const owners = PACKAGE_OWNERS[spec];
        if (owners && !owners.includes(layer)) violations.push(`${rel} imports ${spec}, which belongs to ${owners.join('/')}`);
      }
    }
  }
  expect(violations).toEqual([]);
});

/**
 * metrics/ and http/ read results and state: the types they need come from probe/probe-result.ts
 * (which re-exports the protocol facts a result is made of) and state/, never from smtp/ internals,
 * so the protocol code can change shape behind the result. One exception: smtp/grammar.ts, the RFC
 * name grammars, which label checks must apply exactly as the parser does.
 */
const READERS = new Set(['metrics', 'http']);
const READABLE = (target: string) => target === 'probe/probe-result.ts' || target === 'smtp/grammar.ts' || !/^(?:smtp|probe)\//.test(target);

it('metrics and http take types from state and the probe result only, never from smtp internals', () => {
  const violations: string[] = [];
  for (const { path, rel, text } of sources) {
    if (!READERS.has(layerOf(rel))) continue;
    for (const spec of importsOf(text)) {
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, resolve(dirname(path), spec)).replace(/\.js$/, '.ts');
      if (!READABLE(target)) violations.push(`${rel} imports ${spec}`);
    }
  }
  expect(violations).toEqual([]);
});

/** Besides smtp/: the DNS stub client that reads the AD bit (node:dns cannot), over UDP and TCP to the configured resolver only. */
const OTHER_CLIENTS = new Set(['discovery/secure-dns.ts']);

it('only smtp/ opens client connections: http never starts an SMTP session itself', () => {
  const opens = /\b(?:net|tls)\.(?:connect|createConnection)\(|\bnew\s+(?:net\.)?Socket\(|\bfrom\s+['"]node:dgram['"]/;
  const offenders = sources.filter(({ rel, text }) => !rel.startsWith('smtp/') && !OTHER_CLIENTS.has(rel) && opens.test(text));
  expect(offenders.map((s) => s.rel)).toEqual([]);
});

it('nothing imports the composition root but main.ts', () => {
  const offenders = sources.filter(({ rel, text }) => rel !== 'main.ts' && importsOf(text).some((s) => /\/app\.js$/.test(s)));
  expect(offenders.map((s) => s.rel)).toEqual([]);
});

it('only main.ts touches the process', () => {
  const offenders = sources.filter(({ rel, text }) => rel !== 'main.ts' && /\bprocess\.(env|argv|exit|on|stdout|stderr|stdin|kill|cwd|chdir)\b/.test(text.replace(/\/\/.*$/gm, '')));
  expect(offenders.map((s) => s.rel)).toEqual([]);
});
