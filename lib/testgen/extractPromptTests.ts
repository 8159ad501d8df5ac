/**
 * Tests the user wrote into the request: `assert` lines, doctest examples, and inline
 * examples such as `add(2, 3) == 5` or `add(2, 3) -> 5`. They are the user's own
 * expectations, so they are used as given (translated only when the request's language
 * differs from the code's).
 */
import type { CodeLanguage } from '../detect/inferLanguage';
import { parseLiteral, renderValue } from './literals';
import { dialectFor } from './testDialect';
import type { GeneratedTest } from './types';

/** Options of {@link extractPromptTests}. */
export interface PromptTestOptions {
  /** Keep only tests that call one of these functions (those the code defines). */
  functions?: readonly string[];
  /** Most tests taken from one prompt. Defaults to {@link DEFAULT_MAX_PROMPT_TESTS}. */
  maxTests?: number;
}

/** A prompt rarely holds more real tests than this; beyond it, lines are more likely prose. */
export const DEFAULT_MAX_PROMPT_TESTS = 8;

// A call: a name, then balanced parentheses one level deep (`f([1, 2], g(3))`).
const CALL = String.raw`[A-Za-z_$][\w$.]*\((?:[^()]|\([^()]*\))*\)`;
const PY_ASSERT = /^\s*assert\s+(.+?)\s*$/;
const JS_ASSERT = /^\s*((?:console\.)?assert(?:\.\w+)?\(.+\));?\s*$/;
const DOCTEST = /^\s*>>>\s*(.+?)\s*$/;
// Arrows and equals signs (`f(1) ➞ 2`, `f(1) = 2`, `f(1) ==> 2`) may touch the value; words need a space.
const INLINE = new RegExp(
  `(${CALL})\\s*(?:(?:===|==>|==|->|=>|→|➞|⇒|=)\\s*|(?:returns|should return|should be|gives|is)\\s+)`,
  'g',
);
// A doctest line that is itself the comparison: `>>> f(1) == 2`.
const DOCTEST_COMPARISON = new RegExp(`^(${CALL})\\s*==\\s*(.+)$`);

interface Pair {
  call: string;
  expected: string;
}

/** Reads the literal at the start of `text` (a number, string, list, …) if there is one. */
function leadingLiteral(text: string): string | undefined {
  // Try ever shorter prefixes ending at a plausible boundary; literals are short.
  const stop = text.search(/[\n;]|\s(?:and|or|but|for|when|if)\s|[.,](?:\s|$)(?![^[\](){}]*[\])}])/);
  const candidate = (stop < 0 ? text : text.slice(0, stop)).trim().replace(/[.,;:]$/, '');
  for (let end = candidate.length; end > 0; end--) {
    const piece = candidate.slice(0, end).trim();
    if (parseLiteral(piece) !== undefined) return piece;
  }
  return undefined;
}

function calledName(call: string): string {
  return call.slice(0, call.indexOf('(')).trim();
}

// `assert f(x) == y` (Python) ↔ `assert.deepEqual(f(x), y)` (JS): the only form worth
// translating, since anything else in an assert is language-specific.
function pythonAssertPair(body: string): Pair | undefined {
  const match = new RegExp(`^(${CALL})\\s*==\\s*(.+)$`).exec(body);
  return match && parseLiteral(match[2]) !== undefined ? { call: match[1], expected: match[2] } : undefined;
}

function scriptAssertPair(statement: string): Pair | undefined {
  const match = new RegExp(`^assert\\.(?:deepEqual|deepStrictEqual|equal|strictEqual)\\((${CALL}),\\s*(.+)\\)$`).exec(statement);
  return match && parseLiteral(match[2]) !== undefined ? { call: match[1], expected: match[2] } : undefined;
}

function translate(value: string, to: CodeLanguage): string {
  // A tuple shown for Python code (a doctest's `(0, 1)`) stays a tuple: the literal parser
  // reads it as a list, and `f() == [0, 1]` is False for a function returning (0, 1).
  if (to === 'python' && /^\(.*\)$/s.test(value.trim())) return value.trim();
  const parsed = parseLiteral(value);
  return parsed === undefined ? value : renderValue(parsed, to);
}

/**
 * Finds the tests in a user's request, written for `language`. Python asserts are kept
 * verbatim for Python code; JS/TS assert calls verbatim for JS/TS; `f(x) == y`-shaped
 * ones are translated across.
 */
export function extractPromptTests(prompt: string, language: CodeLanguage, options: PromptTestOptions = {}): GeneratedTest[] {
  const max = options.maxTests ?? DEFAULT_MAX_PROMPT_TESTS;
  const dialect = dialectFor(language);
  const tests: GeneratedTest[] = [];
  const known = options.functions ? new Set(options.functions) : undefined;
  const add = (code: string, names: string[], call?: string) => {
    if (known && !names.some((n) => known.has(n))) return;
    if (tests.some((t) => t.code === code)) return;
    tests.push({ code, label: code, origin: 'prompt', kind: 'given', ...(names[0] && { function: names[0] }), ...(call && { call }) });
  };
  const pair = (p: Pair) => add(dialect.equal(p.call, translate(p.expected, language)), [calledName(p.call)], p.call);
  const namesIn = (text: string) => [...text.matchAll(new RegExp(CALL, 'g'))].map((m) => calledName(m[0]));

  const lines = prompt.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const pyAssert = PY_ASSERT.exec(line);
    if (pyAssert) {
      if (language === 'python') add(`assert ${pyAssert[1]}`, namesIn(pyAssert[1]), pythonAssertPair(pyAssert[1])?.call);
      else {
        const p = pythonAssertPair(pyAssert[1]);
        if (p) pair(p);
      }
      continue;
    }
    const jsAssert = JS_ASSERT.exec(line);
    if (jsAssert) {
      const statement = jsAssert[1].replace(/^console\.assert\(/, 'assert(');
      if (language !== 'python') add(statement, namesIn(statement), scriptAssertPair(statement)?.call);
      else {
        const p = scriptAssertPair(statement);
        if (p) pair(p);
      }
      continue;
    }
    const doctest = DOCTEST.exec(line);
    if (doctest) {
      const comparison = DOCTEST_COMPARISON.exec(doctest[1]);
      if (comparison && parseLiteral(comparison[2]) !== undefined) {
        pair({ call: comparison[1], expected: comparison[2] });
        continue;
      }
      const expected = lines[i + 1]?.trim();
      if (expected && !expected.startsWith('>>>') && new RegExp(`^${CALL}$`).test(doctest[1]) && parseLiteral(expected) !== undefined) {
        pair({ call: doctest[1], expected });
        i++;
      }
      continue;
    }
    // Inline code spans (`add(2, 3)` returns `5`) read the same without their backticks.
    const prose = line.replace(/`/g, '');
    for (const match of prose.matchAll(INLINE)) {
      const expected = leadingLiteral(prose.slice((match.index ?? 0) + match[0].length));
      if (expected !== undefined) pair({ call: match[1], expected });
    }
  }
  return tests.slice(0, max);
}
