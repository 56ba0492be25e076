#!/usr/bin/env node
// Launcher for the CLI inside a clone of the repository: runs the TypeScript through tsx (its CommonJS
// loader, and its ESM hooks for the commands' lazy import()). The npm package's `cert-watch` is the
// compiled dist/bin/cert-watch.js (npm run build).
'use strict';
// tsx's ESM hooks, registered as tsx/esm/api's register() does (that entry fails to load in tsx 4.23 from CommonJS).
require('node:module').register('tsx/esm', {
  parentURL: require('node:url').pathToFileURL(__filename),
  data: {},
});
require('tsx/cjs');
require('./cert-watch.ts').runProcess();
