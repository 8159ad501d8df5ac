/**
 * How each kind of check is written in Python and in JavaScript/TypeScript, using only
 * what the sandbox's test mechanism provides: Python `assert`, and the in-context
 * `assert(cond)`, `assert.equal`, `assert.notEqual`, `assert.deepEqual` for JS/TS.
 * Each check is one line where the language allows, so the verdict can quote it.
 */
import type { CodeLanguage } from '../detect/inferLanguage';
import { PlainValue, renderValue } from './literals';
import type { ValueShape } from './types';

/** A check written as test source, with the short label shown when `code` spans lines. */
export interface WrittenCheck {
  code: string;
  label: string;
}

/** Writers of checks for one language. Arguments named `expr` are source expressions. */
export interface TestDialect {
  language: CodeLanguage;
  value(v: PlainValue): string;
  call(name: string, args: string[]): string;
  /** `expr` equals `expected` (deep equality). */
  equal(expr: string, expected: string): string;
  /** `expr` is not None / undefined. */
  hasValue(expr: string): string;
  truthy(expr: string): string;
  /** `expr` has the shape; undefined for shapes with no useful runtime check. */
  isShape(expr: string, shape: ValueShape): string | undefined;
  /** `expr` deep-equals one of `options`. */
  oneOf(expr: string, options: PlainValue[]): string;
  /** `expr` is an element of `list`. */
  memberOf(expr: string, list: PlainValue[]): string;
  /** `expr` (a list or string) has the same length as `other`. */
  sameLength(expr: string, other: string): string;
  /** `expr` (a list) has no repeated element. */
  noDuplicates(expr: string): string;
  /** `expr` (a list of numbers) holds exactly the distinct values `values` (sorted). */
  sameSet(expr: string, values: number[]): string;
  nonNegative(expr: string): string;
  /** `expr` may raise; if it returns, the value has `shape` (or is None/undefined). */
  returnsShapeOrRaises(expr: string, shape: ValueShape): WrittenCheck | undefined;
  /** A bare call: passes when it does not raise. */
  runs(expr: string): string;
  /**
   * A check that reports `expr`'s value rather than judging it: it passes only when the
   * value is None / undefined, and otherwise fails with the value as `got`.
   */
  observe(expr: string): string;
}

const PY_TYPES: Partial<Record<ValueShape['kind'], string>> = {
  int: 'int',
  float: '(int, float)',
  str: 'str',
  bool: 'bool',
  list: 'list',
  dict: 'dict',
};

const python: TestDialect = {
  language: 'python',
  value: (v) => renderValue(v, 'python'),
  call: (name, args) => `${name}(${args.join(', ')})`,
  equal: (expr, expected) => `assert ${expr} == ${expected}`,
  hasValue: (expr) => `assert ${expr} is not None`,
  truthy: (expr) => `assert ${expr}`,
  isShape: (expr, shape) => (PY_TYPES[shape.kind] ? `assert isinstance(${expr}, ${PY_TYPES[shape.kind]})` : undefined),
  oneOf: (expr, options) => `assert ${expr} in (${options.map((o) => renderValue(o, 'python')).join(', ')})`,
  memberOf: (expr, list) => `assert ${expr} in ${renderValue(list, 'python')}`,
  sameLength: (expr, other) => `assert len(${expr}) == len(${other})`,
  noDuplicates: (expr) => `assert len(set(${expr})) == len(${expr})`,
  sameSet: (expr, values) => `assert sorted(set(${expr})) == ${renderValue(values, 'python')}`,
  nonNegative: (expr) => `assert ${expr} >= 0`,
  returnsShapeOrRaises: (expr, shape) => {
    const type = PY_TYPES[shape.kind];
    if (!type) return undefined;
    return {
      code: `try:\n    _r = ${expr}\nexcept Exception:\n    _r = None\nassert _r is None or isinstance(_r, ${type})`,
      label: `${expr} returns ${shape.kind} or raises`,
    };
  },
  runs: (expr) => expr,
  observe: (expr) => `assert (${expr}) is None`,
};

const JS_TYPEOF: Partial<Record<ValueShape['kind'], string>> = {
  int: 'number',
  float: 'number',
  str: 'string',
  bool: 'boolean',
  dict: 'object',
};

function jsShapeTest(expr: string, shape: ValueShape): string | undefined {
  if (shape.kind === 'list') return `Array.isArray(${expr})`;
  const type = JS_TYPEOF[shape.kind];
  return type ? `typeof ${expr} === "${type}"` : undefined;
}

const script = (language: 'javascript' | 'typescript'): TestDialect => ({
  language,
  value: (v) => renderValue(v, language),
  call: (name, args) => `${name}(${args.join(', ')})`,
  equal: (expr, expected) => `assert.deepEqual(${expr}, ${expected})`,
  hasValue: (expr) => `assert.notEqual(${expr}, undefined)`,
  truthy: (expr) => `assert(${expr})`,
  isShape: (expr, shape) => {
    if (shape.kind === 'list') return `assert(Array.isArray(${expr}))`;
    const type = JS_TYPEOF[shape.kind];
    return type ? `assert.equal(typeof ${expr}, "${type}")` : undefined;
  },
  oneOf: (expr, options) =>
    `assert(${JSON.stringify(options.map((o) => JSON.stringify(o)))}.includes(JSON.stringify(${expr})))`,
  memberOf: (expr, list) => `assert(${renderValue(list, language)}.includes(${expr}))`,
  sameLength: (expr, other) => `assert.equal(${expr}.length, ${other}.length)`,
  noDuplicates: (expr) => `assert.equal(new Set(${expr}).size, ${expr}.length)`,
  sameSet: (expr, values) =>
    `assert.deepEqual([...new Set(${expr})].sort((a, b) => a - b), ${renderValue(values, language)})`,
  nonNegative: (expr) => `assert(${expr} >= 0)`,
  returnsShapeOrRaises: (expr, shape) => {
    const test = jsShapeTest('r', shape);
    if (!test) return undefined;
    return {
      // `let r;` without a type is valid in both JS and TS (it widens to any).
      code: `{ let r; try { r = ${expr}; } catch (e) { r = undefined; } assert(r === undefined || r === null || ${test}); }`,
      label: `${expr} returns ${shape.kind} or throws`,
    };
  },
  runs: (expr) => `${expr};`,
  observe: (expr) => `assert.equal(${expr}, undefined);`,
});

const DIALECTS: Readonly<Record<CodeLanguage, TestDialect>> = {
  python,
  javascript: script('javascript'),
  typescript: script('typescript'),
};

/** The check writers for a language. */
export function dialectFor(language: CodeLanguage): TestDialect {
  return DIALECTS[language];
}
