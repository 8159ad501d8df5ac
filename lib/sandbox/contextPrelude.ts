import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CHANNEL_WRITER_SOURCE } from './channel';

/**
 * Source of the script that prepares a fresh vm context before user code runs (the program
 * is `programs/prelude.js`, a real file: read it there). Everything the code can see
 * (console, assert, timers, a tiny `process`) is built there from source, inside the context,
 * so no host object is ever reachable. The script's completion value is a function of the
 * output channel's size in bytes (see channelBytes in channelLayout.ts); called once, before
 * any user code, it returns a frozen control object whose functions the worker calls; they
 * only ever hand back strings and numbers. It freezes the intrinsics last, so user code
 * cannot change what the prelude uses.
 *
 * One placeholder is filled in here: the output channel's writer (shared with the host side,
 * channel.ts).
 *
 * File names: user code runs as `main.js`, test i as `test-i.js`; error lines come from
 * those frames of the in-context stack string.
 */
export const CONTEXT_PRELUDE = readProgram('prelude.js')
  .replace('/* @channel-writer */', () => CHANNEL_WRITER_SOURCE);

/** A program of `programs/` (beside this module in lib/ and in dist/, where the build copies it). */
export function readProgram(name: string): string {
  return readFileSync(path.join(__dirname, 'programs', name), 'utf8');
}
