import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import type { BenchRecord } from '../../lib/bench';
import { benchCommand } from '../../lib/cli/bench';

const record = (taskId: string, condition: string, passed: boolean): BenchRecord => ({
  taskId, kind: 'fix', language: 'javascript', condition, router: 'heuristic', blocks: 1,
  final: { syntaxValid: true, passed, status: passed ? 'ok' : 'test_failure', testsPassed: passed ? 1 : 0, testsTotal: 1 },
  selfCorrected: false, brokenByFeedback: false, coherent: true, coherence: { stopped: true, noLoop: true, noEcho: true, finalCode: true },
  finish: 'stop_token', promptTokens: 1, generatedTokens: 1, injectedTokens: 0, expertCalls: 0, wallMs: 1, transcript: '',
});

/** Runs `f` with stderr muted: the command reports where it wrote, which would clutter the TAP output. */
async function quiet<T>(f: () => Promise<T>): Promise<T> {
  const write = process.stderr.write;
  process.stderr.write = () => true;
  try {
    return await f();
  } finally {
    process.stderr.write = write;
  }
}

t.test('bench report merges shard files into report.md and report.svg', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-cli-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const lines = (rs: BenchRecord[]) => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';
  await fs.writeFile(path.join(dir, 'r1.jsonl'), lines([record('a', 'model-only', true), record('a', 'expert', true)]));
  await fs.writeFile(path.join(dir, 'r2.jsonl'), lines([record('b', 'model-only', false), record('b', 'expert', true)]));
  const out = path.join(dir, 'report.md');
  t.equal(await quiet(() => benchCommand(['report', path.join(dir, 'r1.jsonl'), path.join(dir, 'r2.jsonl'), '--out', out, '--note', 'Sample.'])), 0);
  const md = await fs.readFile(out, 'utf8');
  t.match(md, /\| model-only \| 100% \(2\/2, 34–100\) \| 50% \(1\/2, 9–91\) \|/);
  t.match(md, /\| expert \| 100% \(2\/2, 34–100\) \| 100% \(2\/2, 34–100\) \|/);
  t.match(await fs.readFile(path.join(dir, 'report.svg'), 'utf8'), /<svg[\s\S]*<\/svg>\n$/);
  t.equal(await quiet(() => benchCommand(['report', path.join(dir, 'missing.jsonl')])), 2);
});
