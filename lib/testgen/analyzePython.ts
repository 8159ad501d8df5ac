/**
 * Analysis of Python with Python's own `ast` module, run inside the sandbox (never in the
 * caller's process): syntax errors, and the signatures, type hints, docstring examples
 * and return behaviour of top-level functions.
 */
import { CompilerExpertError } from '../errors';
import type { RunRequest, RunResult } from '../sandbox/types';
import { shapeFromType } from './inferShape';
import type { CodeAnalysis, FunctionInfo } from './types';

/** Anything that runs a {@link RunRequest}: a Sandbox, or a wrapper around one. */
export interface CodeRunner {
  /** Runs a request; an aborted `signal` should stop it and reject (a Sandbox does). */
  run(request: RunRequest, options?: { signal?: AbortSignal }): Promise<RunResult>;
}

// The analyser prints one line: this marker, then JSON. The marker keeps the parse
// robust should the sandbox ever add its own output.
const MARKER = '@@ANALYSIS@@';

/** Analysis is our own code (parsing only), so the limit is generous: on two busy cores a
 * fresh interpreter can be slow, and only a broken sandbox should hit it. */
const ANALYSIS_TIMEOUT_MS = 15000;

// Kept free of f-strings and walrus so that it runs on any Python 3.8+.
const ANALYZER = String.raw`
import ast, doctest, json

def _ann(node):
    return ast.unparse(node) if node is not None else None

def _is_none(value):
    return value is None or (isinstance(value, ast.Constant) and value.value is None)

def _exits(stmts):
    for s in stmts:
        if isinstance(s, (ast.Return, ast.Raise)):
            return True
        if isinstance(s, ast.If) and s.orelse and _exits(s.body) and _exits(s.orelse):
            return True
        if isinstance(s, ast.Try):
            if s.finalbody and _exits(s.finalbody):
                return True
            if _exits(s.body + s.orelse) and all(_exits(h.body) for h in s.handlers):
                return True
        if isinstance(s, ast.With) and _exits(s.body):
            return True
        if isinstance(s, ast.While) and isinstance(s.test, ast.Constant) and s.test.value is True:
            if not any(isinstance(n, ast.Break) for n in ast.walk(s)):
                return True
    return False

def _flow(fn):
    out = {'returnsValue': False, 'returnsNone': False, 'isGenerator': False}
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return):
            if _is_none(node.value):
                out['returnsNone'] = True
            else:
                out['returnsValue'] = True
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            out['isGenerator'] = True
        stack.extend(ast.iter_child_nodes(node))
    out['fallsOffEnd'] = not _exits(fn.body)
    return out

def _examples(doc):
    out = []
    setup = []
    if not doc:
        return out
    try:
        parsed = doctest.DocTestParser().get_examples(doc)
    except ValueError:
        return out
    for ex in parsed:
        source = ex.source.strip()
        want = ex.want.strip()
        if not want:
            setup.append(source)
            continue
        try:
            ast.parse(source, mode='eval')
            ast.literal_eval(want)
        except (SyntaxError, ValueError):
            continue
        if source.startswith('print('):
            continue
        out.append({'setup': list(setup), 'call': source, 'expected': want})
    return out

def _params(fn):
    a = fn.args
    positional = a.posonlyargs + a.args
    first_default = len(positional) - len(a.defaults)
    params = []
    for i, p in enumerate(positional):
        params.append({'name': p.arg, 'annotation': _ann(p.annotation), 'optional': i >= first_default, 'rest': False})
    if a.vararg:
        params.append({'name': a.vararg.arg, 'annotation': None, 'optional': True, 'rest': True})
    for p, d in zip(a.kwonlyargs, a.kw_defaults):
        params.append({'name': p.arg, 'annotation': _ann(p.annotation), 'optional': d is not None, 'rest': True})
    if a.kwarg:
        params.append({'name': a.kwarg.arg, 'annotation': None, 'optional': True, 'rest': True})
    return params

def _analyze(src):
    try:
        tree = ast.parse(src)
    except SyntaxError as e:
        err = {'type': type(e).__name__, 'message': str(e.msg)}
        if e.lineno is not None:
            err['line'] = e.lineno
        if e.offset is not None:
            err['column'] = e.offset
        return {'syntaxError': err, 'functions': [], 'hasTopLevelCode': False}
    functions = []
    top = False
    for i, node in enumerate(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            f = {'name': node.name, 'params': _params(node), 'returns': _ann(node.returns),
                 'isAsync': isinstance(node, ast.AsyncFunctionDef), 'line': node.lineno,
                 'examples': _examples(ast.get_docstring(node))}
            f.update(_flow(node))
            functions.append(f)
        elif isinstance(node, (ast.Import, ast.ImportFrom, ast.ClassDef)):
            pass
        elif i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            pass
        else:
            top = True
    return {'functions': functions, 'hasTopLevelCode': top}

print(MARKER + json.dumps([_analyze(s) for s in SOURCES]))
`;

interface RawParam {
  name: string;
  annotation: string | null;
  optional: boolean;
  rest: boolean;
}

interface RawFunction extends Omit<FunctionInfo, 'params' | 'returns'> {
  params: RawParam[];
  returns: string | null;
}

interface RawAnalysis {
  functions: RawFunction[];
  hasTopLevelCode: boolean;
  syntaxError?: CodeAnalysis['syntaxError'];
}

/** Thrown when the analyser itself could not run (the sandbox failed, or printed nothing). */
export class PythonAnalysisError extends CompilerExpertError {
  constructor(message: string) {
    super('PYTHON_ANALYSIS', message);
  }
}

/** Parses Python source inside the sandbox and describes its top-level functions. */
export async function analyzePython(code: string, runner: CodeRunner): Promise<CodeAnalysis> {
  const [analysis] = await analyzePythonAll([code], runner);
  return analysis;
}

/**
 * Analyses several Python sources in one sandbox run (a run costs a fresh interpreter;
 * benchmarks and test suites analyse many snippets). Results are in input order.
 */
export async function analyzePythonAll(codes: readonly string[], runner: CodeRunner): Promise<CodeAnalysis[]> {
  // JSON string literals are valid Python string literals, so the code travels as data
  // and is parsed, never executed.
  const program = `MARKER = ${JSON.stringify(MARKER)}\nSOURCES = ${JSON.stringify(codes)}\n${ANALYZER}`;
  // The analyser only parses: a shared interpreter saves it an interpreter boot.
  const result = await runner.run({ language: 'python', code: program, limits: { timeoutMs: ANALYSIS_TIMEOUT_MS }, isolation: 'shared' });
  const line = result.stdout.split('\n').find((l) => l.startsWith(MARKER));
  if (result.status !== 'ok' || !line) {
    const why = result.error ? `${result.error.type}: ${result.error.message}` : result.status;
    throw new PythonAnalysisError(`python analysis failed (${why})`);
  }
  const raws = JSON.parse(line.slice(MARKER.length)) as RawAnalysis[];
  return raws.map((raw) => ({
    language: 'python',
    functions: raw.functions.map((f) => ({
      ...f,
      params: f.params.map((p) => ({
        name: p.name,
        type: shapeFromType(p.annotation ?? undefined),
        optional: p.optional,
        rest: p.rest,
      })),
      returns: shapeFromType(f.returns ?? undefined),
    })),
    hasTopLevelCode: raw.hasTopLevelCode,
    ...(raw.syntaxError && { syntaxError: raw.syntaxError }),
  }));
}
