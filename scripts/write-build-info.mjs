#!/usr/bin/env node
// Run after `tsc -p tsconfig.build.json`: records the git revision and branch the build came from in
// dist/build-info.json, so smtp_exporter_build_info names them where .git is absent (an npm tarball,
// a Docker image). Without a checkout it writes "unknown", so a stale file never outlives a rebuild.
import { writeFileSync } from 'node:fs';
import { gitBuildInfo, BUILD_INFO_FILE, UNKNOWN_BUILD } from '../dist/version/build-info.js';

const root = new URL('..', import.meta.url).pathname;
const info = gitBuildInfo(root) ?? UNKNOWN_BUILD;
writeFileSync(new URL(`../dist/${BUILD_INFO_FILE}`, import.meta.url), `${JSON.stringify(info)}\n`);
process.stdout.write(`dist/${BUILD_INFO_FILE}: revision ${info.revision}, branch ${info.branch}\n`);
