/**
 * The test generator: from a piece of code (and the user's request), the tests to run on
 * it, in priority order: the caller's, the prompt's, the documentation's examples, then
 * generated property checks.
 */
import { InvalidArgumentError } from '../errors';
import type { CodeLanguage } from '../detect/inferLanguage';
import { analyzePython, CodeRunner } from './analyzePython';
import { analyzeScript } from './analyzeScript';
import { extractPromptTests } from './extractPromptTests';
import { DEFAULT_TESTS_PER_FUNCTION, testsForFunction } from './functionTests';
import { dialectFor } from './testDialect';
import type { CodeAnalysis, GeneratedTest, GeneratedTests } from './types';

/** Options of {@link generateTests}. */
export interface GenerateTestsOptions {
  /** Runs the Python analyser (a Sandbox). Required for Python; unused for JS/TS, which are parsed in-process. */
  sandbox?: CodeRunner;
  /** Tests from the caller, in the code's language: kept first, all of them, as given. */
  tests?: readonly string[];
  /** The user's request: its asserts and examples come next, as given. */
  prompt?: string;
  /** Most tests in all, the caller's excepted. Defaults to {@link DEFAULT_MAX_TESTS}. */
  maxTests?: number;
  /** Most generated tests per function. Defaults to {@link DEFAULT_TESTS_PER_FUNCTION}. */
  maxTestsPerFunction?: number;
  /** An analysis of this very code made earlier (e.g. by `analyzePythonAll`); skips analysing again. */
  analysis?: CodeAnalysis;
}

/** Every test costs a line in the injected verdict; a dozen covers two or three functions. */
export const DEFAULT_MAX_TESTS = 12;

const MAX_LABEL_CHARS = 120;

function labelOf(code: string): string {
  const first = code.split('\n')[0];
  const label = first === code ? code : `${first} …`;
  return label.length > MAX_LABEL_CHARS ? `${label.slice(0, MAX_LABEL_CHARS - 1)}…` : label;
}

/**
 * Analyses `code` and returns tests for it plus the analysis (functions found, or the
 * syntax error that stopped it: then there are no tests). Tests are source strings for
 * the sandbox's test mechanism (`RunRequest.tests`).
 *
 * @example
 * const { tests } = await generateTests('def sort(lst):\n    return lst.sort()', 'python', { sandbox });
 * // tests[0].code === 'assert sort([3, 10, 2]) is not None'
 */
export async function generateTests(code: string, language: CodeLanguage, options: GenerateTestsOptions = {}): Promise<GeneratedTests> {
  let analysis = options.analysis;
  if (analysis) {
    if (analysis.language !== language) throw new InvalidArgumentError('generateTests: options.analysis is of another language');
  } else if (language === 'python') {
    if (!options.sandbox) throw new InvalidArgumentError('generateTests: Python code needs options.sandbox to be analysed');
    analysis = await analyzePython(code, options.sandbox);
  } else {
    analysis = analyzeScript(code, language);
  }
  if (analysis.syntaxError) return { tests: [], analysis };

  const max = options.maxTests ?? DEFAULT_MAX_TESTS;
  const caller: GeneratedTest[] = (options.tests ?? []).map((t) => ({ code: t, label: labelOf(t), origin: 'caller', kind: 'given' }));
  const rest: GeneratedTest[] = [];
  const names = analysis.functions.map((f) => f.name);
  if (options.prompt) rest.push(...extractPromptTests(options.prompt, language, { functions: names }));

  const dialect = dialectFor(language);
  const perFunction = analysis.functions.map((fn) =>
    testsForFunction(fn, dialect, {
      maxTests: options.maxTestsPerFunction ?? DEFAULT_TESTS_PER_FUNCTION,
      hasTopLevelCode: analysis.hasTopLevelCode,
    }),
  );
  // Documentation examples of every function before any generated check, then the
  // generated checks round-robin, so a long first function does not starve the others.
  for (const tests of perFunction) rest.push(...tests.filter((t) => t.origin === 'docstring'));
  const generated = perFunction.map((tests) => tests.filter((t) => t.origin !== 'docstring'));
  for (let i = 0; generated.some((g) => i < g.length); i++) {
    for (const g of generated) if (i < g.length) rest.push(g[i]);
  }

  const seen = new Set(caller.map((t) => t.code));
  const chosen = rest.filter((t) => !seen.has(t.code) && (seen.add(t.code), true)).slice(0, max);
  return { tests: [...caller, ...chosen], analysis };
}
