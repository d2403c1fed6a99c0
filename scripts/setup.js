// `npm install` runs this: compiles riposte, then finds or builds the Temporal CLI once (see worker/temporal-server.ts).
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
execFileSync(process.execPath, [path.join(root, 'dist', 'worker', 'bundle.js')], { stdio: 'inherit', cwd: root });

ensureBubblewrap();

if (process.env.TEMPORAL_ADDRESS || process.env.RIPOSTE_SKIP_TEMPORAL_SETUP) process.exit(0);
const { findTemporal } = require(path.join(root, 'dist', 'worker', 'temporal-server.js'));
try {
  const bin = findTemporal({ build: true, log: (line) => console.log(`riposte: ${line}`) });
  console.log(`riposte: Temporal CLI at ${bin}`);
} catch (err) {
  // Installing must not fail for want of Temporal: `npm start` and `npm test` say what to do.
  console.warn(`riposte: ${err.message}`);
}

// script.run refuses to run without a sandbox; bubblewrap is the one it uses.
function ensureBubblewrap() {
  const fs = require('node:fs');
  const found = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'].find((f) => fs.existsSync(f));
  if (found || process.env.RIPOSTE_SKIP_SANDBOX_SETUP) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && fs.existsSync('/usr/bin/apt-get')) {
    console.log('riposte: installing bubblewrap (the sandbox for script.run) with apt-get...');
    try {
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'bubblewrap'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      return;
    } catch {
      console.warn('riposte: apt-get could not install bubblewrap; script.run will refuse to run until it is installed');
      return;
    }
  }
  console.warn('riposte: bubblewrap (bwrap) is not installed; script.run refuses to run without it. Install it: `sudo apt-get install bubblewrap` (Debian/Ubuntu), `sudo dnf install bubblewrap` (Fedora/RHEL)');
}
