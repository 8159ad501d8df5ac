/**
 * A package whose node_modules is a symlink (pnpm, a shared checkout, a worktree): the host's
 * read view holds the packages' real directories only, so the host must load Pyodide and
 * TypeScript by those paths, never by walking the symlinked node_modules.
 */
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';

const repo = path.resolve(__dirname, '../..');

t.test('the sandbox runs every language from a copy whose node_modules is a symlink', async (t) => {
  const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-symlinked-'));
  t.teardown(() => fs.rmSync(pkg, { recursive: true, force: true }));
  fs.cpSync(path.join(repo, 'dist'), path.join(pkg, 'dist'), { recursive: true });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');

  const program = `
    const { Sandbox } = require(${JSON.stringify(path.join(pkg, 'dist/sandbox/index.js'))});
    (async () => {
      const sandbox = await Sandbox.create({ limits: { timeoutMs: 20000 } });
      const out = {};
      for (const [language, code] of [['python', 'print(6 * 7)'], ['typescript', 'const n: number = 42; console.log(n)'], ['javascript', 'console.log(42)']]) {
        const r = await sandbox.run({ language, code });
        out[language] = { status: r.status, stdout: r.stdout.trim(), error: r.error && r.error.message };
      }
      await sandbox.dispose();
      console.log(JSON.stringify(out));
    })();`;
  const r = childProcess.spawnSync(process.execPath, ['-e', program], { cwd: pkg, encoding: 'utf8', timeout: 120000 });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, { status: string; stdout: string; error?: string }>;
  for (const language of ['python', 'typescript', 'javascript']) {
    t.match(out[language], { status: 'ok', stdout: '42' }, `${language}: ${out[language]?.error}`);
  }
});
