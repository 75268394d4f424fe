// `npm install` / `npm ci` in a checkout run this. With the dev dependencies it builds
// dist/; without them (`npm ci --omit=dev`) TypeScript is not there, and failing would fail
// the whole install, so it says how to get a build instead. Installs of the packed tarball
// do not run it: the tarball ships dist/ already built.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  tsc = undefined;
}
if (tsc === undefined) {
  const built = existsSync(new URL('../dist/cli/main.js', import.meta.url));
  process.stderr.write(
    built
      ? 'connect-sync: TypeScript is not installed; using the dist/ already built.\n'
      : 'connect-sync: TypeScript is not installed (production install), so dist/ was not built.\n' +
          '  For production, install the packed release instead: npm pack (on a machine with the dev dependencies), then npm install -g ./connect-sync-<version>.tgz\n',
  );
  process.exit(0);
}
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
process.exit(result.status ?? 1);
