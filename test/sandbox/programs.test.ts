// The sandbox's in-context programs are real files: each parses as what it is (a JS script,
// Python modules), the build copies them beside the compiled sandbox, and the prelude the
// workers run has both placeholders filled.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import t from 'tap';
import { CONTEXT_PRELUDE } from '../../lib/sandbox/contextPrelude';
import { CHANNEL_WRITER_SOURCE } from '../../lib/sandbox/channel';

const LIB = path.resolve(__dirname, '../../lib/sandbox/programs');
const DIST = path.resolve(__dirname, '../../dist/sandbox/programs');
const read = (dir: string, f: string) => readFileSync(path.join(dir, f), 'utf8');

t.test('prelude.js is a script that parses as written', async (t) => {
  t.doesNotThrow(() => new vm.Script(read(LIB, 'prelude.js'), { filename: 'prelude.js' }));
  t.notMatch(CONTEXT_PRELUDE, /@channel-writer/, 'placeholder filled');
  t.ok(CONTEXT_PRELUDE.includes(CHANNEL_WRITER_SOURCE), 'the channel writer is the host side’s');
  t.doesNotThrow(() => new vm.Script(CONTEXT_PRELUDE), 'and still parses once filled');
});

t.test('the Python programs compile', async (t) => {
  for (const f of ['harness.py', 'lockdown.py']) {
    const r = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', path.join(LIB, f)], { encoding: 'utf8' });
    t.equal(r.status, 0, `${f}: ${r.stderr}`);
  }
});

t.test('the build copies them into dist unchanged', async (t) => {
  for (const f of ['prelude.js', 'harness.py', 'lockdown.py']) t.equal(read(DIST, f), read(LIB, f), f);
});
