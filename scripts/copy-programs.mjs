#!/usr/bin/env node
// The sandbox's in-context programs (lib/sandbox/programs: the JS prelude, the Python
// harness) are real files that tsc does not emit: copy them beside the compiled sandbox.
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
cpSync(`${root}lib/sandbox/programs`, `${root}dist/sandbox/programs`, { recursive: true, filter: (src) => !src.includes('__pycache__') });
