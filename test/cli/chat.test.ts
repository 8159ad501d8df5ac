// `compiler-expert chat` through a pseudo-terminal (util-linux `script`), as a user types:
// an answer streams, Ctrl-C aborts it and the prompt returns, the aborted turn is not kept,
// a finished one is (/save), and two Ctrl-C at an idle prompt quit with status 0.
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { defaultModelPath } from '../fixtures/defaultModel';

const BIN = path.resolve(__dirname, '../../bin/compiler-expert.js');
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const hasScript = spawnSync('script', ['--version']).status === 0;

t.test('interactive chat in a terminal', { skip: hasScript ? false : 'util-linux script is not installed' }, async (t) => {
  await defaultModelPath(); // fetched before the clock of the session starts
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ce-chat-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const saved = path.join(dir, 'chat.json');
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} chat --no-expert --max-tokens 300`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => child.kill('SIGKILL'));
  let from = 0;
  // Waits for `re` in the output since the last wait returned; returns that output.
  const waitFor = async (re: RegExp, what: string, ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const text = out.slice(from).replace(ANSI, '');
      if (re.test(text)) {
        from = out.length;
        return text;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${out.replace(ANSI, '')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const type = (s: string) => child.stdin.write(s);

  await waitFor(/> $/m, 'the first prompt');
  type('Count from 1 to 300, one number per line.\r');
  await waitFor(/\d+\s*\n\s*\d+/, 'the answer to stream');
  type('\x03');
  t.match(await waitFor(/\[answer aborted\][\s\S]*> $/, 'the abort'), /\[answer aborted\]/, 'Ctrl-C aborted the answer; the prompt is back');
  type(`/save ${saved}\r`);
  await waitFor(/\[saved 0 turns/, 'the first save');
  t.same(JSON.parse(await fs.readFile(saved, 'utf8')).history, [], 'the aborted turn is not in the history');
  type('Say hello.\r');
  await waitFor(/prompt tokens reused from the cache\]/, 'a finished answer');
  type(`/save ${saved}\r`);
  await waitFor(/\[saved 1 turns/, 'the second save');
  const history = JSON.parse(await fs.readFile(saved, 'utf8')).history;
  t.same(history.map((m: { role: string }) => m.role), ['user', 'assistant']);
  t.equal(history[0].content, 'Say hello.');
  type('\x03');
  await waitFor(/Ctrl-C again/, 'the quit hint');
  type('\x03');
  t.equal(await exited, 0, 'a second Ctrl-C at the prompt quits cleanly');
});
