/**
 * The Python boot snapshot on disk: keyed by what is baked into it, checked by its digest,
 * written by the caller (the jailed host only reads), and made anew when damaged.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { Sandbox } from '../../lib/sandbox';
import { readSnapshot, snapshotFile, writeSnapshot } from '../../lib/sandbox/pythonSnapshotCache';

const pyodideDir = path.dirname(require.resolve('pyodide/package.json'));
const tmp = (t: { teardown: (f: () => void) => void }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-snapcache-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
};

t.test('the file name carries the Pyodide version and a key of the harness', async (t) => {
  const dir = tmp(t);
  const a = snapshotFile(dir, pyodideDir, 'harness one')!;
  const b = snapshotFile(dir, pyodideDir, 'harness two')!;
  const version = JSON.parse(fs.readFileSync(path.join(pyodideDir, 'package.json'), 'utf8')).version;
  t.match(path.basename(a.file), new RegExp(`^pyodide-${version.replace(/\./g, '\\.')}-[0-9a-f]{16}\\.snapshot$`));
  t.not(a.file, b.file, 'another harness, another file');
  t.equal(snapshotFile(dir, pyodideDir, 'harness one')!.file, a.file, 'stable');
  t.equal(a.dir, fs.realpathSync(dir));
  const plain = path.join(dir, 'plain-file');
  fs.writeFileSync(plain, '');
  t.equal(snapshotFile(path.join(plain, 'cache'), pyodideDir, 'h'), undefined, 'a folder that cannot be made: no cache');
});

t.test('read gives back what was written, aligned, and nothing for a damaged file', async (t) => {
  const file = path.join(tmp(t), 'x.snapshot');
  t.equal(readSnapshot(file), undefined, 'missing');
  const bytes = new Uint8Array(4096).map((_, i) => (i * 7) & 255);
  await writeSnapshot(file, bytes);
  const back = readSnapshot(file)!;
  t.same(Buffer.from(back), Buffer.from(bytes));
  t.equal(back.byteOffset % 8, 0, 'starts aligned (Pyodide reads it as 32-bit words)');
  t.same(fs.readdirSync(path.dirname(file)), ['x.snapshot'], 'no partial file left');
  const raw = fs.readFileSync(file);
  raw[raw.length - 1] ^= 1;
  fs.writeFileSync(file, raw);
  t.equal(readSnapshot(file), undefined, 'one flipped bit fails the digest');
  fs.writeFileSync(file, raw.subarray(0, 50));
  t.equal(readSnapshot(file), undefined, 'truncated');
  fs.writeFileSync(file, Buffer.concat([Buffer.from('not a snapshot\n'), raw]));
  t.equal(readSnapshot(file), undefined, 'wrong header');
});

/** A sandbox on `dir` that records the host's log; runs Python once and returns what it printed. */
async function pythonOnce(dir: string): Promise<{ stdout: string; status: string; log: string[] }> {
  const log: string[] = [];
  const sandbox = await Sandbox.create({ cacheDir: dir, warm: ['python'], onLog: (m) => log.push(m) });
  try {
    const r = await sandbox.run({ language: 'python', code: 'import math\nprint(math.factorial(10))' });
    return { stdout: r.stdout.trim(), status: r.status, log };
  } finally {
    await sandbox.dispose();
  }
}

async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 200 && readSnapshot(file) === undefined; i++) await new Promise((r) => setTimeout(r, 100));
}

t.test('a fresh sandbox restores Python from the file the previous one wrote', async (t) => {
  const dir = tmp(t);
  const first = await pythonOnce(dir);
  t.same([first.status, first.stdout], ['ok', '3628800']);
  t.notOk(first.log.some((m) => m.includes('loaded from')), 'nothing to load the first time');
  const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.snapshot')).map((f) => path.join(dir, f));
  t.ok(file, 'the snapshot was written');
  await waitForFile(file);
  t.ok(readSnapshot(file), 'and is whole');

  const second = await pythonOnce(dir);
  t.same([second.status, second.stdout], ['ok', '3628800']);
  t.ok(second.log.some((m) => m.includes(`loaded from ${file}`)), 'the second restores it');

  const raw = fs.readFileSync(file);
  raw[raw.length >> 1] ^= 0xff;
  fs.writeFileSync(file, raw);
  const third = await pythonOnce(dir);
  t.same([third.status, third.stdout], ['ok', '3628800'], 'a damaged file costs a boot, never a run');
  t.notOk(third.log.some((m) => m.includes('loaded from')), 'the damaged file is not loaded');
  await waitForFile(file);
  t.ok(readSnapshot(file), 'and is written anew');
});

t.test('writing a snapshot removes those of other versions', async (t) => {
  const dir = tmp(t);
  fs.writeFileSync(path.join(dir, 'pyodide-0.0.1-0000000000000000.snapshot'), 'old');
  fs.writeFileSync(path.join(dir, 'unrelated.txt'), 'kept');
  await writeSnapshot(path.join(dir, 'pyodide-0.0.2-1111111111111111.snapshot'), new Uint8Array(64));
  t.same(fs.readdirSync(dir).sort(), ['pyodide-0.0.2-1111111111111111.snapshot', 'unrelated.txt']);
});
