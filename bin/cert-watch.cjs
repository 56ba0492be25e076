#!/usr/bin/env node
// Launcher for `npx cert-watch`: runs the TypeScript CLI through tsx's CommonJS loader.
'use strict';
require('tsx/cjs');
const { main } = require('./cert-watch.ts');

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
);
