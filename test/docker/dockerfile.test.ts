// What can be checked about the Dockerfile without a Docker engine: the bases, the user, the ports, the
// paths it names exist in the build context, the entrypoint is what `npm run build` produces, the
// HEALTHCHECK command works against a real HTTP server, and (slow) a production-only `npm ci` yields
// node_modules where better-sqlite3 loads, no devDependency is present, and the built exporter starts.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBuildInfo } from '../../src/version/build-info.js';
import { REPO_ROOT } from '../dashboards/dashboard-queries.js';
import { IN_CI } from '../rules/external-tool.js';
import { npmEnvForThisNode } from '../support/npm-for-this-node.js';
import { execForm, includedByDockerignore, parseCopy, parseDockerfile, stagesOf, type Instruction, type Stage } from './dockerfile-parser.js';

const instructions = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const stages = stagesOf(instructions);
const finalStage = stages.at(-1) as Stage;
const buildStage = stages[0] as Stage;
const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split(/\r?\n/);

function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}
function one(stage: Stage, keyword: string): Instruction {
  const found = all(stage, keyword);
  expect(found, `exactly one ${keyword}`).toHaveLength(1);
  return found[0] as Instruction;
}
function flag(args: readonly string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
function portOf(address: string): number {
  return Number(/:(\d+)$/.exec(address)?.[1]);
}

const healthcheck = one(finalStage, 'HEALTHCHECK');
const healthCmd = execForm(healthcheck.args.replace(/^(?:--\S+\s+)*CMD\s+/, ''));
const entrypoint = execForm(one(finalStage, 'ENTRYPOINT').args);
const cmd = execForm(one(finalStage, 'CMD').args);

describe('Dockerfile, read without an engine', () => {
  it('builds in a separate stage on a supported Node LTS slim base (22 or 24), pinned by digest', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.image).toMatch(/^node:(22|24)(\.\d+)*(-[a-z]+)?-slim@sha256:[0-9a-f]{64}$/);
    // The comment next to the pin says how to renew it.
    expect(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')).toMatch(/To update it:\n#\s+docker buildx imagetools inspect node:24-bookworm-slim/);
    expect(buildStage.name).toBeTruthy();
    const runs = all(buildStage, 'RUN').map((r) => r.args).join('\n');
    expect(runs).toMatch(/apt-get install[^\n]*python3[^\n]*make[^\n]*g\+\+/);
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).toMatch(/\bnpm run build\b/);
    expect(runs).toMatch(/\bnpm prune --omit=dev\b/);
    // No toolchain and no full install in the final image.
    const finalRuns = all(finalStage, 'RUN').map((r) => r.args).join('\n');
    expect(finalRuns).not.toMatch(/apt-get|npm (ci|install)/);
  });

  it('labels the image with the OCI annotations, agreeing with package.json', () => {
    const labels = new Map(
      all(finalStage, 'LABEL')
        .flatMap((l) => [...l.args.matchAll(/([\w.]+)="([^"]*)"/g)])
        .map((m) => [m[1] ?? '', m[2] ?? ''] as const),
    );
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; license: string; description: string };
    const oci = (k: string) => labels.get(`org.opencontainers.image.${k}`);
    expect(oci('title')).toBe('ehlo-exporter');
    expect(oci('licenses')).toBe(pkg.license);
    expect(oci('source')).toBe('https://github.com/ehlo-exporter/ehlo-exporter');
    expect(oci('version')).toBe('${VERSION}');
    expect(oci('revision')).toBe('${REVISION}');
    expect(oci('base.name')).toBe('${NODE_IMAGE}');
    const args = all(finalStage, 'ARG').map((a) => a.args);
    expect(args).toEqual(expect.arrayContaining(['NODE_IMAGE', `VERSION=${pkg.version}`, 'REVISION=unknown']));
  });

  it('records the REVISION and BRANCH build arguments in dist/build-info.json, which smtp_exporter_build_info reads', () => {
    expect(all(buildStage, 'ARG').map((a) => a.args)).toEqual(expect.arrayContaining(['REVISION=unknown', 'BRANCH=unknown']));
    const build = all(buildStage, 'RUN').map((r) => r.args).find((r) => /\bnpm run build\b/.test(r)) ?? '';
    const write = /if \[ "\$REVISION" != unknown \]; then (printf .*?) > dist\/build-info\.json; fi/.exec(build);
    expect(write, build).not.toBeNull();
    // The same printf the image runs, through a real shell, read back by the exporter's own reader.
    const dist = mkdtempSync(join(tmpdir(), 'ehlo-build-info-'));
    try {
      execFileSync('sh', ['-c', `${write![1]} > ${dist}/build-info.json`], { env: { REVISION: 'abc123', BRANCH: 'release-1' } });
      expect(readBuildInfo(dist)).toEqual({ revision: 'abc123', branch: 'release-1' });
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });

  it('leaves npm, npx and corepack out of the runtime image, and starts without them', () => {
    const finalRuns = all(finalStage, 'RUN').map((r) => r.args).join('\n');
    for (const path of ['/usr/local/lib/node_modules/npm', '/usr/local/lib/node_modules/corepack', '/usr/local/bin/npm', '/usr/local/bin/npx', '/usr/local/bin/corepack']) {
      expect(finalRuns, path).toMatch(new RegExp(`rm -rf [^\n]*${path.replace(/\//g, '\\/')}(\\s|$)`));
    }
    for (const cmdLine of [entrypoint, cmd, healthCmd]) expect(cmdLine.join(' ')).not.toMatch(/\b(npm|npx|corepack)\b/);
  });

  it('copies only production node_modules, dist and package.json from the build stage', () => {
    const fromBuild = all(finalStage, 'COPY').map((c) => parseCopy(c.args)).filter((c) => c.from !== null);
    for (const c of fromBuild) expect(c.from).toBe(buildStage.name);
    const copied = fromBuild.flatMap((c) => c.sources).sort();
    expect(copied).toEqual(['/app/dist', '/app/node_modules', '/app/package.json']);
    // Those come from WORKDIR /app of the build stage, pruned after the build.
    expect(one(buildStage, 'WORKDIR').args).toBe('/app');
  });

  it('runs as a non-root user, also for the entrypoint', () => {
    const users = all(finalStage, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1) as Instruction;
    expect(last.args).not.toMatch(/^(root|0)(:|$)/);
    const entryIndex = finalStage.instructions.findIndex((i) => i.keyword === 'ENTRYPOINT');
    expect(finalStage.instructions.indexOf(last)).toBeLessThan(entryIndex);
  });

  it('runs node with the V8 options and malloc settings `npm start` uses (the ones `npm run bench` measured)', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const start = /^((?:[A-Z_]+=\S+ )*)node ((?:--\S+ )*)dist\/main\.js$/.exec(pkg.scripts.start ?? '');
    expect(start, pkg.scripts.start).not.toBeNull();
    const env = all(finalStage, 'ENV').map((i) => i.args).join(' ');
    const nodeOptions = /NODE_OPTIONS=(\S+(?:\s+--\S+)*)/.exec(env)?.[1] ?? '';
    expect(nodeOptions).not.toBe('');
    expect(nodeOptions.split(/\s+/)).toEqual(start![2]!.trim().split(' '));
    const startEnv = start![1]!.trim().split(' ');
    expect(startEnv.some((v) => v.startsWith('MALLOC_'))).toBe(true);
    for (const assignment of startEnv) expect(env.split(/\s+/)).toContain(assignment);
  });

  it('starts dist/main.js, the file `npm run build` produces from src/main.ts', () => {
    expect(entrypoint[0]).toBe('node');
    const workdir = one(finalStage, 'WORKDIR').args;
    const script = entrypoint[1] ?? '';
    const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    const relative = posix.relative(workdir, script);
    expect(relative).toBe(`${build.compilerOptions.outDir}/main.js`);
    expect(existsSync(join(REPO_ROOT, build.compilerOptions.rootDir, 'main.ts'))).toBe(true);
    // dist/*.js are ES modules; Node learns that from package.json next to dist/.
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { type?: string; scripts: Record<string, string> };
    expect(pkg.type).toBe('module');
    expect(pkg.scripts.build).toContain('tsconfig.build.json');
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    const copies = stages.flatMap((s) => all(s, 'COPY').map((c) => parseCopy(c.args))).filter((c) => c.from === null);
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) {
      for (const source of c.sources) {
        expect(existsSync(join(REPO_ROOT, source)), `${source} exists`).toBe(true);
        expect(includedByDockerignore(ignore, source), `${source} is in the build context`).toBe(true);
        if (statSync(join(REPO_ROOT, source)).isDirectory()) {
          for (const f of readdirSync(join(REPO_ROOT, source), { recursive: true }) as string[]) {
            expect(f, `${source}/${f}`).not.toMatch(/\.db$/);
          }
        }
      }
    }
    // What must never be sent to the daemon.
    for (const p of ['node_modules/x', 'dist/main.js', 'data/ehlo-exporter.db', '.git/HEAD', 'test/x.test.ts', 'config/x.db']) {
      expect(includedByDockerignore(ignore, p), p).toBe(false);
    }
  });

  it('exposes one port, and the listen address and HEALTHCHECK use that same port', () => {
    const exposed = one(finalStage, 'EXPOSE').args.split(/\s+/).map((p) => Number(p.replace(/\/tcp$/, '')));
    expect(exposed).toHaveLength(1);
    const port = exposed[0];
    expect(port).toBe(9525);
    expect(portOf(flag(cmd, 'web.listen-address') ?? '')).toBe(port);
    const script = healthCmd.at(-1) ?? '';
    expect(script).toContain(`http://127.0.0.1:${port}/-/healthy`);
    // The exporter's own default, where main.ts states one, agrees.
    const main = readFileSync(join(REPO_ROOT, 'src', 'main.ts'), 'utf8');
    const declared = /DEFAULT_LISTEN_ADDRESS\s*=\s*'([^']+)'/.exec(main)?.[1];
    if (declared !== undefined) expect(portOf(declared)).toBe(port);
  });

  it('keeps the store on a volume the non-root user can write, and bakes in the default config', () => {
    const volume = one(finalStage, 'VOLUME').args.replace(/^\[|\]$/g, '').replace(/"/g, '').trim();
    const storage = flag(cmd, 'storage.path') ?? '';
    expect(posix.dirname(storage)).toBe(volume);
    const runs = all(finalStage, 'RUN').map((r) => r.args).join('\n');
    const user = (all(finalStage, 'USER').at(-1) as Instruction).args;
    expect(runs).toContain(`chown ${user}:${user} ${volume}`);
    const configFile = flag(cmd, 'config.file') ?? '';
    const copies = all(finalStage, 'COPY').map((c) => parseCopy(c.args));
    const baked = copies.find((c) => c.from === null && c.dest === configFile);
    expect(baked, `a COPY puts the default config at ${configFile}`).toBeDefined();
    expect(baked?.sources).toEqual(['config/ehlo-exporter.yml']);
  });

  describe('the HEALTHCHECK command, run with node against a real HTTP server', () => {
    let server: Server;
    let base = '';
    let status = 200;
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.statusCode = req.url === '/-/healthy' ? status : 404;
        res.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    /** The HEALTHCHECK's node command with its URL pointed at `url`; asynchronous, so this process can answer it. */
    function run(url: string): Promise<number | null> {
      const args = healthCmd.slice(1).map((a) => a.replace('http://127.0.0.1:9525', url));
      return new Promise((resolve) => {
        const child = execFile(process.execPath, args, { timeout: 15_000 }, () => resolve(child.exitCode));
      });
    }

    it('is healthy on 200, unhealthy on 503 and when nothing listens', async () => {
      expect(healthCmd[0]).toBe('node');
      expect(healthCmd.join(' ')).not.toMatch(/\b(curl|wget)\b/);
      status = 200;
      expect(await run(base)).toBe(0);
      status = 503;
      expect(await run(base)).toBe(1);
      // A port that was open a moment ago and is closed now: connection refused.
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      expect(await run(`http://127.0.0.1:${closedPort}`)).toBe(1);
    });
  });
});

const SLOW = IN_CI || Boolean(process.env.EHLO_SLOW_TESTS);

describe.skipIf(!SLOW)(
  `production install as the image does it${SLOW ? '' : ' (skipped: set EHLO_SLOW_TESTS=1; runs npm ci --omit=dev with a native build, ~1.5 min; always runs when CI=true)'}`,
  () => {
    let dir = '';
    let install: { status: number | null; output: string } = { status: null, output: '' };
    let build: { status: number | null; output: string } = { status: null, output: '' };

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ehlo-docker-'));
      for (const f of ['package.json', 'package-lock.json']) cpSync(join(REPO_ROOT, f), join(dir, f));
      const npm = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 480_000,
        env: npmEnvForThisNode(),
      });
      install = { status: npm.status, output: `${npm.stdout}${npm.stderr}${npm.error?.message ?? ''}` };
      // `npm run build`, into this directory's dist/ as the image lays it out (/app/dist next to /app/package.json).
      const tsc = spawnSync(
        process.execPath,
        [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')],
        { encoding: 'utf8', timeout: 180_000 },
      );
      build = { status: tsc.status, output: `${tsc.stdout}${tsc.stderr}${tsc.error?.message ?? ''}` };
    }, 660_000);

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('npm ci --omit=dev succeeds and installs no devDependency', () => {
      expect(install.status, install.output).toBe(0);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
        devDependencies: Record<string, string>;
      };
      for (const name of Object.keys(pkg.dependencies)) expect(existsSync(join(dir, 'node_modules', name, 'package.json')), name).toBe(true);
      for (const name of Object.keys(pkg.devDependencies)) expect(existsSync(join(dir, 'node_modules', name)), name).toBe(false);
      const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean }>;
      };
      const devOnly = Object.entries(lock.packages).filter(([, p]) => p.dev === true).map(([k]) => k);
      expect(devOnly).toEqual([]);
    });

    it('better-sqlite3 loads its native binding there, built for this Node, and runs SQL', () => {
      const r = spawnSync(
        process.execPath,
        ['-e', "const D=require('better-sqlite3'); const db=new D(':memory:'); console.log(db.prepare('select 40+2 as x').get().x, process.versions.modules)"],
        { cwd: dir, encoding: 'utf8', timeout: 30_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(`42 ${process.versions.modules}`);
    });

    it('every package the built code imports is a production dependency', () => {
      expect(build.status, build.output).toBe(0);
      const missing: string[] = [];
      for (const f of readdirSync(join(dir, 'dist'), { recursive: true }) as string[]) {
        if (!f.endsWith('.js')) continue;
        const code = readFileSync(join(dir, 'dist', f), 'utf8');
        for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)) {
          const spec = m[1] ?? '';
          if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('/')) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
          if (!existsSync(join(dir, 'node_modules', name, 'package.json'))) missing.push(`${f}: ${spec}`);
        }
      }
      expect(missing).toEqual([]);
    });

    it('the entrypoint starts in that layout (node dist/main.js --version)', () => {
      expect(build.status, build.output).toBe(0);
      expect(entrypoint).toEqual(['node', '/app/dist/main.js']);
      const r = spawnSync(process.execPath, [join(dir, 'dist', 'main.js'), '--version'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
      });
      expect(r.status, r.stderr).toBe(0);
      const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
      expect(r.stdout).toContain(version);
    });
  },
);
