/**
 * Tests for one function from what its signature, types, documentation and name say.
 * Nothing here invents an expected value: examples come from the documentation, and
 * every other check is a property that holds for any correct implementation (returns a
 * value, of the declared type; a sort's result is ordered; a max is an element; …).
 */
import type { PlainValue } from './literals';
import { IntRole, shapeFromName } from './inferShape';
import type { TestDialect } from './testDialect';
import type { FunctionInfo, GeneratedTest, ValueShape } from './types';

/** Options of {@link testsForFunction}. */
export interface FunctionTestOptions {
  /** Most tests for this function. Defaults to {@link DEFAULT_TESTS_PER_FUNCTION}. */
  maxTests?: number;
  /** The code also runs statements of its own (then `main()`-style functions are not called again). */
  hasTopLevelCode?: boolean;
}

/** Enough to catch the common bugs of a small function without flooding the verdict. */
export const DEFAULT_TESTS_PER_FUNCTION = 6;

interface Arg {
  shape: ValueShape;
  role?: IntRole;
  typical: PlainValue;
}

const TYPICAL_INTS = [3, 4, 6];
const TYPICAL_NUMBER_LIST = [3, 10, 2];
const NEGATIVE_NUMBER_LIST = [-3, -7, -2];
const DUPLICATES_LIST = [3, 10, 3, 2, 10];
// Neither ascending nor descending, so an unsorted result cannot pass for a sorted one.
const TYPICAL_STRING_LIST = ['pear', 'apple', 'fig'];
const TYPICAL_STRING = 'hello world';

function isNumeric(shape: ValueShape): boolean {
  return shape.kind === 'int' || shape.kind === 'float' || shape.kind === 'unknown';
}

function typicalValue(shape: ValueShape, role: IntRole | undefined, hasList: boolean, valueIndex: () => number): PlainValue | undefined {
  switch (shape.kind) {
    case 'int':
      if (role === 'index') return 1;
      // A count next to a list (chunk(lst, n), take(lst, k)) must fit the list's 3 items.
      if (role === 'count') return hasList ? 2 : 5;
      return TYPICAL_INTS[valueIndex() % TYPICAL_INTS.length];
    case 'float':
      return 2.5;
    case 'str':
      return TYPICAL_STRING;
    case 'bool':
      return true;
    case 'dict':
      return { a: 1, b: 2 };
    case 'list':
      if (shape.element.kind === 'str') return TYPICAL_STRING_LIST;
      if (shape.element.kind === 'bool') return [true, false, true];
      if (isNumeric(shape.element)) return TYPICAL_NUMBER_LIST;
      return undefined;
    default:
      return undefined;
  }
}

/** Arguments for a typical call, or undefined when some parameter's shape is unknown. */
function typicalArgs(fn: FunctionInfo): Arg[] | undefined {
  const required = fn.params.filter((p) => !p.optional && !p.rest);
  const shaped = required.map((p) => {
    const byName = shapeFromName(p.name);
    const shape = p.type.kind === 'unknown' ? byName.shape : p.type;
    return { shape, role: shape.kind === 'int' ? (byName.role ?? 'value') : undefined };
  });
  const hasList = shaped.some((s) => s.shape.kind === 'list');
  let next = 0;
  const valueIndex = () => next++;
  const args: Arg[] = [];
  for (const s of shaped) {
    const typical = typicalValue(s.shape, s.role, hasList, valueIndex);
    if (typical === undefined) return undefined;
    args.push({ ...s, typical });
  }
  return args;
}

/** Variants of one argument worth trying at the edges; each may legitimately raise. */
function edgeValues(arg: Arg): PlainValue[] {
  switch (arg.shape.kind) {
    case 'list':
      return arg.shape.element.kind === 'str' ? [[], ['a']] : [[], [5]];
    case 'str':
      return ['', 'a'];
    case 'int':
    case 'float':
      // A negative count can loop forever in correct code (`while n != 0`), so only values get one.
      return arg.role === 'value' ? [0, -4] : [0];
    default:
      return [];
  }
}

// Name words, so `bubbleSort`, `bubble_sort` and `BubbleSort` read alike.
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split('_')
    .filter(Boolean);
}

const PREDICATE = /^(is|has|can|contains|are|should|all|any|check_if)_/;
const COUNTER = /^(count|num|number_of|len|length)(_|$)/;
const IDEMPOTENT_WORDS = new Set([
  'normalize', 'normalise', 'strip', 'trim', 'lower', 'lowercase', 'upper', 'uppercase', 'capitalize',
  'title', 'clean', 'canonical', 'canonicalize', 'abs', 'sanitize', 'slugify', 'squash',
  'collapse', 'compact', 'dedent',
]);
const AGGREGATE_WORDS = new Set([
  'sum', 'total', 'max', 'min', 'maximum', 'minimum', 'largest', 'smallest', 'biggest', 'mean', 'average',
  'avg', 'median', 'product',
]);
// flatten is left out on purpose: a one-level flatten of an already flat list raises.
// Words that make an aggregate depend on order or position (max_profit, max_subarray_sum, argmax).
const ORDER_WORDS = new Set([
  'subarray', 'consecutive', 'gap', 'diff', 'difference', 'profit', 'prefix', 'running', 'cumulative',
  'index', 'idx', 'position', 'pos', 'window', 'inversion', 'inversions', 'streak', 'sequence', 'subsequence',
  'increasing', 'decreasing', 'pair', 'pairs', 'adjacent', 'first', 'last', 'k', 'kth', 'nth', 'second',
]);
const EXTREME_WORDS = new Set(['max', 'min', 'maximum', 'minimum', 'largest', 'smallest', 'biggest']);
const EXTREME_FILLER = new Set([
  'find', 'get', 'the', 'value', 'element', 'item', 'num', 'number', 'of', 'in', 'list', 'array', 'lst',
  'arr', 'nums', 'numbers', 'values', 'elem', 'compute', 'calc', 'calculate', 'return',
]);

interface NameTraits {
  predicate: boolean;
  counter: boolean;
  sort: boolean;
  reverse: boolean;
  unique: boolean;
  idempotent: boolean;
  aggregate: boolean;
  extreme: boolean;
  palindrome: boolean;
}

function traits(name: string): NameTraits {
  const w = words(name);
  const snake = w.join('_');
  const predicate = PREDICATE.test(snake) || snake === 'is' || /^(is|has)[a-z]/.test(snake);
  const sort = !predicate && w.some((x) => x === 'sort' || x === 'sorted' || x.endsWith('sort'));
  const unique = !predicate && /unique|dedup|distinct|remove_dup/.test(snake);
  const aggregate = !predicate && w.some((x) => AGGREGATE_WORDS.has(x)) && !w.some((x) => ORDER_WORDS.has(x));
  return {
    predicate,
    counter: !predicate && COUNTER.test(snake),
    sort,
    reverse: !predicate && w.some((x) => x === 'reverse' || x === 'reversed'),
    unique,
    idempotent: sort || unique || (!predicate && w.some((x) => IDEMPOTENT_WORDS.has(x))),
    aggregate,
    extreme: aggregate && w.some((x) => EXTREME_WORDS.has(x)) && w.every((x) => EXTREME_WORDS.has(x) || EXTREME_FILLER.has(x)),
    palindrome: predicate && snake.includes('palindrome'),
  };
}

function sortedCopy(list: PlainValue[], descending: boolean): PlainValue[] {
  const copy = [...list].sort((a, b) => (a === b ? 0 : (a as number | string) < (b as number | string) ? -1 : 1));
  return descending ? copy.reverse() : copy;
}

function reversedString(text: string): string {
  return [...text].reverse().join('');
}

/**
 * Generates property tests and documentation examples for one function, best first.
 * Returns nothing for async functions, generators, and functions whose parameters have
 * no known shape (no type, no telling name).
 */
export function testsForFunction(fn: FunctionInfo, dialect: TestDialect, options: FunctionTestOptions = {}): GeneratedTest[] {
  const max = options.maxTests ?? DEFAULT_TESTS_PER_FUNCTION;
  const tests: GeneratedTest[] = [];
  const add = (code: string | undefined, kind: GeneratedTest['kind'], label = code, origin: GeneratedTest['origin'] = 'generated') => {
    if (code === undefined || label === undefined) return;
    if (tests.some((t) => t.code === code)) return;
    tests.push({ code, label, origin, kind, function: fn.name });
  };

  for (const example of fn.examples) {
    const assertion = dialect.equal(example.call, example.expected);
    add([...example.setup, assertion].join('\n'), 'example', assertion, 'docstring');
  }
  if (fn.isAsync || fn.isGenerator) return tests.slice(0, max);
  if (fn.params.filter((p) => !p.optional && !p.rest).length === 0 && options.hasTopLevelCode) return tests.slice(0, max);

  const args = typicalArgs(fn);
  if (!args) return tests.slice(0, max);
  const t = traits(fn.name);
  const declared = fn.returns.kind !== 'unknown' && fn.returns.kind !== 'none';
  const returnShape: ValueShape = declared ? fn.returns : t.predicate ? { kind: 'bool' } : t.counter ? { kind: 'int' } : { kind: 'unknown' };
  // The name alone promises a value only for functions that cannot be in-place
  // mutators (a predicate, a count, an aggregate); `sort_list(lst)` may sort in place.
  const byName = t.predicate || t.counter || t.aggregate;
  const expectsValue =
    fn.returns.kind !== 'none' &&
    (declared || (fn.returnsValue && !fn.returnsNone && !fn.fallsOffEnd) || (byName && !fn.returnsNone));

  const render = (values: PlainValue[]) => values.map((v) => dialect.value(v));
  const typical = render(args.map((a) => a.typical));
  const call = dialect.call(fn.name, typical);

  if (expectsValue) add(dialect.hasValue(call), 'returns_value');
  else add(dialect.runs(call), 'no_throw');
  add(dialect.isShape(call, returnShape), 'return_type');

  // Properties read from the name need one list or string argument and a returned value.
  const only = args.length === 1 ? args[0] : undefined;
  const valueProperties = only && (expectsValue || fn.returnsValue);
  if (valueProperties && only.shape.kind === 'list') {
    const list = only.typical as PlainValue[];
    const numeric = isNumeric(only.shape.element);
    const x = dialect.value(list);
    if (t.sort) {
      add(dialect.oneOf(call, [sortedCopy(list, false), sortedCopy(list, true)]), 'property');
      add(dialect.equal(dialect.call(fn.name, ['[]']), '[]'), 'property');
    }
    if (t.unique && numeric) {
      const dup = dialect.call(fn.name, [dialect.value(DUPLICATES_LIST)]);
      add(dialect.noDuplicates(dup), 'property');
      add(dialect.sameSet(dup, [...new Set(DUPLICATES_LIST)].sort((a, b) => a - b)), 'property');
    }
    if (t.reverse) {
      add(dialect.equal(dialect.call(fn.name, [call]), x), 'property');
      add(dialect.sameLength(call, x), 'property');
    }
    if (t.idempotent) add(dialect.equal(dialect.call(fn.name, [call]), call), 'property');
    if (t.extreme && numeric) {
      add(dialect.memberOf(call, list), 'property');
      const negative = dialect.call(fn.name, [dialect.value(NEGATIVE_NUMBER_LIST)]);
      add(dialect.memberOf(negative, NEGATIVE_NUMBER_LIST), 'property');
    }
    if (t.aggregate && numeric) {
      const rotated = [...list.slice(1), list[0]];
      add(dialect.equal(call, dialect.call(fn.name, [dialect.value(rotated)])), 'property');
    }
  }
  if (valueProperties && only.shape.kind === 'str') {
    const text = only.typical as string;
    if (t.reverse) add(dialect.equal(dialect.call(fn.name, [call]), dialect.value(text)), 'property');
    if (t.idempotent) add(dialect.equal(dialect.call(fn.name, [call]), call), 'property');
    if (t.palindrome) {
      add(dialect.truthy(dialect.call(fn.name, [dialect.value('level')])), 'property');
      add(dialect.equal(call, dialect.call(fn.name, [dialect.value(reversedString(text))])), 'property');
    }
  }
  if (t.counter && expectsValue) add(dialect.nonNegative(call), 'property');

  // Edges: each argument in turn at an edge value, the others typical. Correct code may
  // reject an edge (average([]) raises), so these only check the type of what returns.
  if (returnShape.kind !== 'unknown') {
    args.forEach((arg, i) => {
      for (const edge of edgeValues(arg)) {
        const values = args.map((a, j) => (j === i ? edge : a.typical));
        const check = dialect.returnsShapeOrRaises(dialect.call(fn.name, render(values)), returnShape);
        if (check) add(check.code, 'edge', check.label);
      }
    });
  }
  return tests.slice(0, max);
}
