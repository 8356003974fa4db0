// Debian's Chromium, headless, driven by playwright-core: never a downloaded browser, a fresh
// profile per launch, nothing phoning home. Screenshots go to test-artifacts/ (git-ignored).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { REPO_ROOT } from './exporter-process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function chromiumUnavailableReason(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install chromium)`;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(options: BrowserContextOptions): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'ehlo-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000, ...options });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Width and height from a PNG's IHDR chunk; throws when the file is not a PNG. */
export function pngSize(path: string): { width: number; height: number; bytes: number } {
  const png = readFileSync(path);
  if (png.length < 24 || png.toString('latin1', 1, 4) !== 'PNG' || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${path} is not a PNG`);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bytes: png.length };
}

export function artifactDir(name: string): string {
  const dir = join(ARTIFACTS, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
