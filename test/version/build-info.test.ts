// Which build is running, from real git repositories (plain, worktree, packed refs, detached),
// from the file the build writes, and from a copy without .git as in an npm tarball or an image.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gitBuildInfo, readBuildInfo } from '../../src/version/build-info.js';
import { ensureBuilt, REPO_ROOT } from '../support/exporter-process.js';
import { useTempDir } from '../state/temp-dir.js';

const tempDir = useTempDir();

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.test', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();
}

/** A repository with one commit on `main`. */
function repo(): { dir: string; head: string } {
  const dir = tempDir();
  git(dir, 'init', '-q');
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  git(dir, 'add', 'a.txt');
  git(dir, 'commit', '-q', '-m', 'one');
  return { dir, head: git(dir, 'rev-parse', 'HEAD') };
}

describe('gitBuildInfo', () => {
  it('reads the branch and revision of a checkout, as git rev-parse reports them', () => {
    const { dir, head } = repo();
    git(dir, 'checkout', '-q', '-b', 'feature/x');
    expect(gitBuildInfo(dir)).toEqual({ revision: head, branch: 'feature/x' });
  });

  it('reads a worktree (".git" is a file) and packed refs', () => {
    const { dir } = repo();
    const wt = join(tempDir(), 'wt');
    git(dir, 'worktree', 'add', '-q', '-b', 'side', wt);
    writeFileSync(join(wt, 'b.txt'), 'b\n');
    git(wt, 'add', 'b.txt');
    git(wt, 'commit', '-q', '-m', 'two');
    git(dir, 'pack-refs', '--all');
    expect(gitBuildInfo(wt)).toEqual({ revision: git(wt, 'rev-parse', 'HEAD'), branch: 'side' });
    expect(gitBuildInfo(dir)).toEqual({ revision: git(dir, 'rev-parse', 'HEAD'), branch: 'main' });
  });

  it('says "HEAD" for a detached checkout, and null where there is no .git', () => {
    const { dir, head } = repo();
    git(dir, 'checkout', '-q', '--detach');
    expect(gitBuildInfo(dir)).toEqual({ revision: head, branch: 'HEAD' });
    expect(gitBuildInfo(tempDir())).toBeNull();
  });
});

describe('readBuildInfo', () => {
  it('prefers the file the build wrote, falls back to the checkout, then to "unknown"', () => {
    const { dir, head } = repo();
    const dist = join(dir, 'dist');
    mkdirSync(dist);
    expect(readBuildInfo(dist)).toEqual({ revision: head, branch: 'main' });
    writeFileSync(join(dist, 'build-info.json'), '{"revision":"abc123","branch":"release-1"}\n');
    expect(readBuildInfo(dist)).toEqual({ revision: 'abc123', branch: 'release-1' });
    writeFileSync(join(dist, 'build-info.json'), '{"revision":');
    expect(readBuildInfo(dist)).toEqual({ revision: head, branch: 'main' });
    const bare = join(tempDir(), 'dist');
    mkdirSync(bare);
    expect(readBuildInfo(bare)).toEqual({ revision: 'unknown', branch: 'unknown' });
  });
});

describe('the built exporter', () => {
  beforeAll(ensureBuilt, 60_000);

  /** A copy of the package as npm would install it (package.json, dist), without .git. */
  function packageCopy(): string {
    const dir = tempDir();
    for (const item of ['package.json', 'dist']) cpSync(join(REPO_ROOT, item), join(dir, item), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    return dir;
  }

  it('--version names the revision and branch written at build time, or "unknown" without them', () => {
    const dir = packageCopy();
    const version = () => execFileSync(process.execPath, [join(dir, 'dist', 'main.js'), '--version'], { encoding: 'utf8' });
    // What an npm tarball or a Docker image holds when the build ran without a checkout.
    const writeBuildInfo = () => execFileSync(process.execPath, [join(dir, 'dist', 'version', 'write-build-info.js')], { encoding: 'utf8' });
    writeBuildInfo();
    expect(version()).toMatch(/^ehlo-exporter \d+\.\d+\.\d+ \(revision unknown, branch unknown, node v\d+/);
    // The same build step in a checkout records its revision, which the copy then reports without .git.
    git(dir, 'init', '-q');
    git(dir, 'add', 'package.json');
    git(dir, 'commit', '-q', '-m', 'release');
    const head = git(dir, 'rev-parse', 'HEAD');
    writeBuildInfo();
    expect(JSON.parse(readFileSync(join(dir, 'dist', 'build-info.json'), 'utf8'))).toEqual({ revision: head, branch: 'main' });
    rmSync(join(dir, '.git'), { recursive: true, force: true });
    expect(version()).toContain(`(revision ${head}, branch main, node `);
  }, 60_000);
});
