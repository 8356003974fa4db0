// The build's last step (`npm run build` runs it after tsc): records the git revision and branch the
// build came from in dist/build-info.json, so smtp_exporter_build_info names them where .git is
// absent (an npm tarball, a Docker image). Without a checkout it writes "unknown", so a stale file
// never outlives a rebuild. Running this module is the whole step; it has no exports.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUILD_INFO_FILE, gitBuildInfo, UNKNOWN_BUILD } from './build-info.js';

const dist = new URL('../', import.meta.url);
const info = gitBuildInfo(fileURLToPath(new URL('../', dist))) ?? UNKNOWN_BUILD;
writeFileSync(new URL(BUILD_INFO_FILE, dist), `${JSON.stringify(info)}\n`);
