// The README's examples compile against the package as a user installs it: each ```ts block
// of README.md and lib/*/README.md is type-checked as an ES module importing 'compiler-expert'
// through package.json's `exports` (and its built .d.ts). A block may be preceded by
// `<!-- example-context: … -->` (declarations it assumes, such as a loaded `model`) or by
// `<!-- example: not compiled -->` (a shape reference, not code).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');

interface Example { file: string; index: number; source: string }

async function examplesOf(file: string): Promise<Example[]> {
  const lines = (await fs.readFile(path.join(ROOT, file), 'utf8')).split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    let prev = i - 1;
    while (prev >= 0 && lines[prev].trim() === '') prev--;
    const marker = prev >= 0 ? lines[prev].trim() : '';
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    const body = lines.slice(i + 1, end).join('\n');
    i = end;
    if (marker === '<!-- example: not compiled -->') continue;
    const context = /^<!-- example-context: (.*) -->$/.exec(marker)?.[1] ?? '';
    out.push({ file, index: out.length + 1, source: `${context}\n${body}\nexport {};\n` });
  }
  return out;
}

/** Type-checks each source as `<name>.mts` in a folder where 'compiler-expert' resolves to this package. */
async function check(sources: Map<string, string>): Promise<Map<string, string[]>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ce-readme-'));
  try {
    await fs.mkdir(path.join(dir, 'node_modules'));
    await fs.symlink(ROOT, path.join(dir, 'node_modules', 'compiler-expert'), 'dir');
    await fs.symlink(path.join(ROOT, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'), 'dir');
    const files = [...sources.keys()].map((name) => path.join(dir, `${name}.mts`));
    await Promise.all([...sources.values()].map((s, k) => fs.writeFile(files[k], s)));
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    });
    const result = new Map<string, string[]>();
    [...sources.keys()].forEach((name, k) => {
      const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(files[k]));
      result.set(name, diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')));
    });
    return result;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

t.test('every README example compiles against the published types', async (t) => {
  const readmes = ['README.md', ...(await fs.readdir(path.join(ROOT, 'lib'))).map((d) => `lib/${d}/README.md`)];
  const examples: Example[] = [];
  for (const file of readmes) {
    if (await fs.stat(path.join(ROOT, file)).catch(() => undefined)) examples.push(...(await examplesOf(file)));
  }
  t.ok(examples.length >= 8, `found ${examples.length} examples`);
  const name = (e: Example) => `${e.file.replace(/[/.]/g, '_')}_${e.index}`;
  // Two that must fail, so a checker that passes everything cannot pass this test.
  const sources = new Map(examples.map((e) => [name(e), e.source]));
  sources.set('bad_internal', "import { native } from 'compiler-expert';\nnative();\nexport {};\n");
  sources.set('bad_deep', "import { Sandbox } from 'compiler-expert/dist/sandbox/Sandbox.js';\nSandbox.create();\nexport {};\n");
  const results = await check(sources);
  for (const e of examples) t.same(results.get(name(e)), [], `${e.file} example ${e.index}`);
  t.match(results.get('bad_internal')?.join('\n'), /no exported member 'native'/, 'the raw binding is not exported');
  t.ok(results.get('bad_deep')?.length, 'deep imports past the exports map do not resolve');
});
