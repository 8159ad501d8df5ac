// Every SIMD tier of the CPU kernels against the portable one, through the standalone
// self-test (test/native/kernel_selftest.cc: the kernel sources without MLX or Node):
//  - natively: this CPU's best tier (AVX-512 VNNI or AVX2 here);
//  - arm64 NEON, cross-compiled and run under qemu-user, once with a CPU that has the
//    dot-product instructions (NEON tier) and once with one that lacks them (the
//    dispatcher must fall back to portable). .ci/run installs the cross compiler and
//    qemu; outside CI the arm64 part is skipped when they are missing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';

const root = path.join(__dirname, '..', '..');
const SOURCES = [
  'test/native/kernel_selftest.cc',
  'native/kernels/quantized_linear.cc',
  'native/kernels/kquant_linear.cc',
  'native/kernels/attention_cpu.cc',
  'native/kernels/activation_cpu.cc',
  'native/kernels/cpu_dispatch.cc',
  'native/kernels/thread_pool.cc',
  'native/loader/ggml_quants.cc',
].map((f) => path.join(root, f));

const work = mkdtempSync(path.join(tmpdir(), 'ce-selftest-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function build(compiler: string, out: string, extra: string[] = []) {
  const r = spawnSync(compiler, ['-O2', '-std=c++20', '-pthread', `-I${path.join(root, 'native')}`, ...extra, ...SOURCES, '-o', out], { encoding: 'utf8' });
  return { ok: r.status === 0, log: `${r.stdout}${r.stderr}` };
}

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: r.stdout ?? '', summary: (r.stdout ?? '').trim().split('\n').pop() ?? '' };
}

t.test('native: best tier equals portable', async (t) => {
  const exe = path.join(work, 'selftest');
  const b = build('c++', exe);
  t.ok(b.ok, 'compiles', { log: b.log.slice(-2000) });
  if (!b.ok) return;
  const r = run(exe, []);
  t.comment(r.summary);
  t.equal(r.status, 0, 'every case agrees');
  t.match(r.summary, /selftest: \d+ cases, 0 failed/);
});

t.test('arm64 under qemu: NEON tier equals portable; no dot product falls back', async (t) => {
  if (!has('aarch64-linux-gnu-g++') || !has('qemu-aarch64')) {
    const why = 'needs aarch64-linux-gnu-g++ and qemu-aarch64 (apt: g++-aarch64-linux-gnu qemu-user)';
    if (process.env.CI) t.fail(why);
    else t.skip(why);
    return;
  }
  const exe = path.join(work, 'selftest-arm64');
  const b = build('aarch64-linux-gnu-g++', exe, ['-static']);
  t.ok(b.ok, 'cross-compiles', { log: b.log.slice(-2000) });
  if (!b.ok) return;
  const neon = run('qemu-aarch64', ['-cpu', 'max', exe]);
  t.comment(neon.summary);
  t.equal(neon.status, 0, 'every case agrees');
  t.match(neon.summary, /0 failed, kernel neon-dotprod/, 'the NEON tier ran');
  const old = run('qemu-aarch64', ['-cpu', 'cortex-a53', exe]);
  t.comment(old.summary);
  t.match(old.summary, /0 failed, kernel portable/, 'a CPU without the dot product gets the portable kernels');
});
