// Which build is running: version, git revision and branch, for smtp_exporter_build_info and
// --version, as Prometheus' own binaries report them. The revision comes from dist/build-info.json
// (written at build time by write-build-info.ts, so it survives `npm pack` and Docker,
// where .git is absent), else from the checkout's .git read directly (running from source), else
// "unknown". No git binary is run: the exporter must start on a machine without one.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

export interface BuildInfo {
  revision: string;
  branch: string;
}

export const UNKNOWN_BUILD: BuildInfo = { revision: 'unknown', branch: 'unknown' };

/** The name of the file the build writes next to main.js. */
export const BUILD_INFO_FILE = 'build-info.json';

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** `repoRoot`'s git directory and the common one (they differ in a worktree), or null. */
function gitDirs(repoRoot: string): { gitDir: string; commonDir: string } | null {
  const dotGit = join(repoRoot, '.git');
  let gitDir = dotGit;
  try {
    if (statSync(dotGit).isFile()) {
      // A worktree or submodule: ".git" is a file saying "gitdir: <path>".
      const m = /^gitdir: (.+)$/m.exec(readText(dotGit) ?? '');
      if (m === null) return null;
      gitDir = isAbsolute(m[1]!) ? m[1]! : join(repoRoot, m[1]!);
    }
  } catch {
    return null;
  }
  const common = readText(join(gitDir, 'commondir'))?.trim();
  return { gitDir, commonDir: common === undefined ? gitDir : isAbsolute(common) ? common : join(gitDir, common) };
}

/** The revision and branch of the checkout at `repoRoot`, read from .git; null when there is none. */
export function gitBuildInfo(repoRoot: string): BuildInfo | null {
  const dirs = gitDirs(repoRoot);
  if (dirs === null) return null;
  const head = readText(join(dirs.gitDir, 'HEAD'))?.trim();
  if (head === undefined) return null;
  const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
  // Detached HEAD: `git rev-parse --abbrev-ref HEAD` says "HEAD" too.
  if (ref === undefined) return /^[0-9a-f]{40,64}$/.test(head) ? { revision: head, branch: 'HEAD' } : null;
  const branch = ref.replace(/^refs\/heads\//, '');
  const loose = readText(join(dirs.gitDir, ref)) ?? readText(join(dirs.commonDir, ref));
  const packed = readText(join(dirs.commonDir, 'packed-refs'))
    ?.split('\n')
    .find((line) => line.endsWith(` ${ref}`))
    ?.split(' ')[0];
  const revision = loose?.trim() ?? packed;
  return revision !== undefined && /^[0-9a-f]{40,64}$/.test(revision) ? { revision, branch } : { revision: 'unknown', branch };
}

/** What `distDir` (the directory of main.js) was built from; see the header. */
export function readBuildInfo(distDir: string): BuildInfo {
  const text = readText(join(distDir, BUILD_INFO_FILE));
  if (text !== null) {
    try {
      const parsed = JSON.parse(text) as Partial<BuildInfo>;
      if (typeof parsed.revision === 'string' && typeof parsed.branch === 'string') return { revision: parsed.revision, branch: parsed.branch };
    } catch {
      // A damaged file says nothing; fall through to the checkout.
    }
  }
  return gitBuildInfo(dirname(distDir)) ?? UNKNOWN_BUILD;
}
