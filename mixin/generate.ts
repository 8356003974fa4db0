// `npm run generate`: writes the mixin's files from mixin/config.ts. With --check it writes nothing and
// exits 1 naming every file that differs from what would be generated.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG } from './config.js';
import { generatedFiles } from './generated-files.js';

/** The repository root: this file runs as .mixin-build/mixin/generate.js. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const check = process.argv.includes('--check');
const stale: string[] = [];
for (const f of generatedFiles(DEFAULT_CONFIG)) {
  const path = join(ROOT, f.path);
  let current: string | null = null;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = null;
  }
  if (current === f.content) continue;
  if (check) stale.push(f.path);
  else {
    writeFileSync(path, f.content);
    console.log(`wrote ${f.path}`);
  }
}
if (stale.length > 0) {
  console.error(`out of date (run npm run generate): ${stale.join(', ')}`);
  process.exitCode = 1;
}
