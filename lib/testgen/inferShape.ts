/**
 * Value shapes from what the code says about a value: a type annotation (Python hints,
 * TypeScript types, JSDoc types) or, failing that, the conventional meaning of a name
 * (`lst`, `n`, `text`).
 */
import type { ValueShape } from './types';

const UNKNOWN: ValueShape = { kind: 'unknown' };
const INT: ValueShape = { kind: 'int' };

function list(element: ValueShape): ValueShape {
  return { kind: 'list', element };
}

/** Splits `a, b` at top-level commas (brackets of either kind nest). */
function splitTop(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if ('[(<{'.includes(ch)) depth++;
    else if (']>)}'.includes(ch)) depth--;
    else if (ch === separator && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/**
 * Reads a type as written in Python (`list[int]`, `Optional[str]`, `int | None`) or
 * TypeScript/JSDoc (`number[]`, `Array<string>`, `string | undefined`).
 */
export function shapeFromType(text: string | undefined): ValueShape {
  if (!text) return UNKNOWN;
  let t = text.trim().replace(/^typing\./, '');
  // Optional-ness does not change what a typical call returns.
  const union = splitTop(t, '|').filter((p) => !/^(None|null|undefined)$/.test(p));
  if (union.length !== 1) return union.length === 0 ? { kind: 'none' } : UNKNOWN;
  t = union[0];
  const optional = /^Optional\[(.*)\]$/.exec(t);
  if (optional) return shapeFromType(optional[1]);
  if (t.endsWith('[]')) return list(shapeFromType(t.slice(0, -2)));
  const generic = /^([\w.]+)\s*[[<](.*)[\]>]$/.exec(t);
  const head = (generic ? generic[1] : t).replace(/^(typing|collections\.abc)\./, '');
  const args = generic ? splitTop(generic[2], ',') : [];
  switch (head) {
    case 'int':
    case 'integer':
    case 'bigint':
      return INT;
    case 'number':
    case 'float':
    case 'double':
      return head === 'number' ? INT : { kind: 'float' };
    case 'str':
    case 'string':
    case 'String':
      return { kind: 'str' };
    case 'bool':
    case 'boolean':
    case 'Boolean':
      return { kind: 'bool' };
    case 'None':
    case 'void':
    case 'null':
    case 'undefined':
      return { kind: 'none' };
    case 'list':
    case 'List':
    case 'Sequence':
    case 'Iterable':
    case 'Array':
    case 'ReadonlyArray':
    case 'MutableSequence':
      return list(args.length === 1 ? shapeFromType(args[0]) : UNKNOWN);
    case 'dict':
    case 'Dict':
    case 'Mapping':
    case 'Record':
    case 'object':
    case 'Object':
      return { kind: 'dict' };
    default:
      return UNKNOWN;
  }
}

const LIST_NAMES = new Set([
  'lst', 'list', 'arr', 'array', 'nums', 'numbers', 'items', 'values', 'xs', 'elements', 'seq',
  'sequence', 'vals', 'ints', 'integers', 'scores', 'ages', 'prices', 'data', 'num_list', 'number_list',
  'input_list', 'my_list', 'l',
]);
const STRING_LIST_NAMES = new Set(['words', 'names', 'strings', 'strs', 'lines', 'tokens', 'word_list']);
const STRING_NAMES = new Set([
  's', 'text', 'string', 'str', 'word', 'name', 'sentence', 'line', 'phrase', 'msg', 'message',
  'prefix', 'suffix', 'substring', 'sub', 'pattern', 'char', 'ch', 'letter', 'title', 'email',
  'input_string', 'input_str', 'txt', 'paragraph', 'content',
]);
const COUNT_NAMES = new Set([
  'n', 'k', 'm', 'count', 'size', 'length', 'len', 'limit', 'times', 'steps', 'width', 'height',
  'depth', 'rows', 'cols', 'num_items', 'chunk_size', 'places', 'digits',
]);
const INDEX_NAMES = new Set(['i', 'j', 'idx', 'index', 'pos', 'position']);
const VALUE_NAMES = new Set([
  'x', 'y', 'z', 'a', 'b', 'num', 'number', 'value', 'val', 'target', 'base', 'exp', 'exponent',
  'power', 'year', 'age', 'score', 'radius', 'r', 'w', 'h', 'total', 'price', 'amount', 'p', 'q',
  'dividend', 'divisor', 'numerator', 'denominator', 'celsius', 'fahrenheit', 'temp', 'temperature',
]);
const DICT_NAMES = new Set(['d', 'dict', 'mapping', 'counts', 'table', 'obj', 'dictionary']);

/** How an integer parameter is used, which decides the values worth trying. */
export type IntRole = 'count' | 'index' | 'value';

/** The shape a parameter's name conventionally has, and for integers their role. */
export function shapeFromName(name: string): { shape: ValueShape; role?: IntRole } {
  // camelCase → snake_case, and s1/s2-style numbering dropped.
  const n = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/_?\d+$/, '');
  if (STRING_LIST_NAMES.has(n)) return { shape: list({ kind: 'str' }) };
  if (LIST_NAMES.has(n) || /_(list|array|nums|numbers|values)$/.test(n)) return { shape: list(INT) };
  if (STRING_NAMES.has(n) || /_(str|string|text|word|name)$/.test(n)) return { shape: { kind: 'str' } };
  if (COUNT_NAMES.has(n) || /^(num|n)_/.test(n)) return { shape: INT, role: 'count' };
  if (INDEX_NAMES.has(n) || /_(index|idx)$/.test(n)) return { shape: INT, role: 'index' };
  if (VALUE_NAMES.has(n)) return { shape: INT, role: 'value' };
  if (DICT_NAMES.has(n)) return { shape: { kind: 'dict' } };
  return { shape: UNKNOWN };
}
