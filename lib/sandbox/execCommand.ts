/**
 * `compiler-expert exec --lang js|ts|python [--timeout ms] [--test SRC]... FILE...`: runs the
 * files in order through one Sandbox (stdin when no file) and prints one JSON result per line.
 */
import * as fs from 'node:fs';
import { Sandbox } from './Sandbox';
import type { Language } from './types';

const LANGS: Record<string, Language> = { js: 'javascript', javascript: 'javascript', ts: 'typescript', typescript: 'typescript', py: 'python', python: 'python' };
const USAGE = 'usage: compiler-expert exec --lang js|ts|python [--timeout ms] [--test SRC]... [--require-jail] [FILE...]\n';

/** The `exec` subcommand; returns 0 when every run was ok, 1 otherwise, 2 on bad usage. */
export async function execCommand(argv: string[]): Promise<number> {
  let language: Language | undefined;
  let timeoutMs: number | undefined;
  let requireJail = false;
  const tests: string[] = [];
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--lang' || a === '-l') language = LANGS[argv[++i] ?? ''];
    else if (a === '--timeout') timeoutMs = Number(argv[++i]);
    else if (a === '--test') tests.push(argv[++i] ?? '');
    else if (a === '--require-jail') requireJail = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    } else files.push(a);
  }
  if (!language || (timeoutMs !== undefined && !(timeoutMs > 0))) {
    process.stderr.write(USAGE);
    return 2;
  }
  const sources = files.length ? files.map((f) => fs.readFileSync(f, 'utf8')) : [fs.readFileSync(0, 'utf8')];
  const sandbox = await Sandbox.create({ requireJail, warm: [language], limits: timeoutMs ? { timeoutMs } : undefined });
  let failed = false;
  try {
    for (const code of sources) {
      const result = await sandbox.run({ language, code, tests });
      if (result.status !== 'ok') failed = true;
      process.stdout.write(JSON.stringify(result) + '\n');
    }
  } finally {
    await sandbox.dispose();
  }
  return failed ? 1 : 0;
}
