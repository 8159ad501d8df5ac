#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI lives in lib/cli (compiled to dist/cli).
require('../dist/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`compiler-expert: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  },
);
