// `npm install` runs this: compiles riposte, then finds or builds the Temporal CLI once (see worker/temporal-server.ts).
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
execFileSync(process.execPath, [path.join(root, 'dist', 'worker', 'bundle.js')], { stdio: 'inherit', cwd: root });

if (process.env.TEMPORAL_ADDRESS || process.env.RIPOSTE_SKIP_TEMPORAL_SETUP) process.exit(0);
const { findTemporal } = require(path.join(root, 'dist', 'worker', 'temporal-server.js'));
try {
  const bin = findTemporal({ build: true, log: (line) => console.log(`riposte: ${line}`) });
  console.log(`riposte: Temporal CLI at ${bin}`);
} catch (err) {
  // Installing must not fail for want of Temporal: `npm start` and `npm test` say what to do.
  console.warn(`riposte: ${err.message}`);
}
