// Every export of the package's entry points (the root and its subpaths) carries TSDoc, so
// the published types document themselves in an editor.
import * as path from 'node:path';
import t from 'tap';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const ENTRIES = ['lib/index.ts', 'lib/bench/index.ts', 'lib/probe/index.ts', 'lib/testgen/index.ts'];

t.test('every export is documented', async (t) => {
  const files = ENTRIES.map((f) => path.join(ROOT, f));
  const program = ts.createProgram(files, { strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  for (const file of files) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!);
    const exports = checker.getExportsOfModule(module!);
    const missing = exports.filter((sym) => {
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      return ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === '';
    }).map((s) => s.name);
    t.ok(exports.length > 0, `${path.relative(ROOT, file)} exports something`);
    t.same(missing, [], `${path.relative(ROOT, file)}: ${exports.length} exports, all documented`);
  }
});
