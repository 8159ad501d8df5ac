/**
 * What the test generator knows about code (an analysis of its top-level functions) and
 * what it produces (tests as source strings for the sandbox's test mechanism).
 */
import type { CodeLanguage } from '../detect/inferLanguage';
import type { RunError } from '../sandbox/types';

/** The shape of a value, from a type hint, a JSDoc type, or a parameter's name. */
export type ValueShape =
  | { kind: 'int' | 'float' | 'str' | 'bool' | 'dict' | 'none' | 'unknown' }
  | { kind: 'list'; element: ValueShape };

/** One parameter of an analysed function. */
export interface ParamInfo {
  name: string;
  /** From the annotation / JSDoc when there is one, else `unknown` (names are read later). */
  type: ValueShape;
  /** Has a default value (or is optional): left out of generated calls. */
  optional: boolean;
  /** `*args`, `**kwargs`, `...rest`, keyword-only: left out too. */
  rest: boolean;
}

/** A usage example found in a function's documentation. */
export interface DocExample {
  /** Statements that must run first (earlier `>>>` lines without output). */
  setup: string[];
  /** The expression, e.g. `add(1, 2)`. */
  call: string;
  /** The expected value as source in the code's language, e.g. `3`. */
  expected: string;
}

/** A top-level function as the test generator sees it. */
export interface FunctionInfo {
  name: string;
  params: ParamInfo[];
  /** Declared return type (annotation, TS type, JSDoc @returns); `unknown` when none. */
  returns: ValueShape;
  /** Some `return` in the body returns an expression (other than None/undefined/null). */
  returnsValue: boolean;
  /** Some `return` is bare or returns None/undefined/null on purpose. */
  returnsNone: boolean;
  /** Control can reach the end of the body (an implicit None/undefined). */
  fallsOffEnd: boolean;
  /** async functions and generators are not called by generated tests. */
  isAsync: boolean;
  isGenerator: boolean;
  examples: DocExample[];
  /** 1-based line of the definition. */
  line: number;
}

/** The result of analysing a piece of code. */
export interface CodeAnalysis {
  language: CodeLanguage;
  functions: FunctionInfo[];
  /** Set when the code does not parse; `functions` is then empty. */
  syntaxError?: RunError;
  /** The code does more than define functions and import (it calls, prints, assigns). */
  hasTopLevelCode: boolean;
}

/** Where a test came from, in priority order. */
export type TestOrigin = 'caller' | 'prompt' | 'docstring' | 'generated';

/**
 * What a generated test checks. `returns_value` is the check whose failure means the
 * function returned None/undefined though a value was expected.
 */
export type TestKind =
  | 'given'
  | 'example'
  | 'returns_value'
  | 'return_type'
  | 'no_throw'
  | 'property'
  | 'edge';

/** One test: source for the sandbox plus how to show and count it. */
export interface GeneratedTest {
  /** Source run by the sandbox after the code, in the code's namespace. */
  code: string;
  /** Short form shown in verdicts; equal to `code` unless `code` spans lines. */
  label: string;
  origin: TestOrigin;
  kind: TestKind;
  /** The function under test, when there is one. */
  function?: string;
  /** The call whose value is checked, as written in the request (`f(1, [2])`), for tests read as a call and its value. */
  call?: string;
}

/** What {@link generateTests} returns. */
export interface GeneratedTests {
  tests: GeneratedTest[];
  analysis: CodeAnalysis;
}
