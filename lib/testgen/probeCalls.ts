/**
 * Inputs on which to compare candidate answers (CodeT's dual agreement): the calls of the
 * request's own examples, and the same calls with one argument nudged (a number one up,
 * a list reversed or shortened, a string reversed). Nothing here knows an expected value:
 * two candidates that return the same values on every probe behave alike there, and
 * independent samples that behave alike are more often right than one that stands alone.
 *
 * Nudges stay small and in the argument's domain (no sign flips, no doubling) so that a
 * right answer rarely raises or runs long on a probe where the example did not.
 */
import type { CodeLanguage } from '../detect/inferLanguage';
import { parseLiteral, renderValue, type PlainValue } from './literals';

/** Options of {@link probeCalls}. */
export interface ProbeCallOptions {
  /** Most calls returned. Defaults to {@link DEFAULT_MAX_PROBES}. */
  max?: number;
}

/** Enough inputs to tell most wrong answers from right ones, few enough to run in milliseconds. */
export const DEFAULT_MAX_PROBES = 16;

const CALL = /^\s*([A-Za-z_$][\w$.]*)\s*\(([\s\S]*)\)\s*$/;

/** Splits a call's argument text at its top-level commas (outside brackets and strings). */
export function splitArguments(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last !== '' || args.length > 0) args.push(last);
  return args;
}

/** Writes a value as the argument it replaces was written: floats keep a decimal point in Python. */
function render(value: PlainValue, language: CodeLanguage, floats: boolean): string {
  if (typeof value === 'number' && floats && Number.isInteger(value) && language === 'python') return `${value}.0`;
  if (Array.isArray(value)) return `[${value.map((v) => render(v, language, floats)).join(', ')}]`;
  return renderValue(value, language);
}

/** The nudged variants of one literal argument, most telling first. */
function nudges(value: PlainValue, floats: boolean): PlainValue[] {
  if (typeof value === 'boolean') return [!value];
  if (typeof value === 'number') {
    if (floats) return [value + 0.5];
    return value >= 1 ? [value + 1, value - 1] : [value + 1];
  }
  if (typeof value === 'string') {
    const chars = [...value];
    const out: PlainValue[] = [];
    if (chars.length >= 2) out.push(chars.reverse().join(''), value.slice(1));
    if (value.length >= 1) out.push(value + value[0]);
    return out;
  }
  if (Array.isArray(value)) {
    const out: PlainValue[] = [];
    if (value.length >= 2) out.push([...value].reverse(), value.slice(1));
    if (value.length >= 1) out.push([...value, value[0]]);
    if (value.length >= 1 && value.every((v) => typeof v === 'number')) out.push(value.map((v) => (v as number) + 1));
    return out;
  }
  return [];
}

/** Every call written with one argument nudged, for one example call. */
function variantsOf(call: string, language: CodeLanguage): string[] {
  const match = CALL.exec(call);
  if (!match) return [];
  const [, name, argText] = match;
  const args = splitArguments(argText);
  const out: string[] = [];
  args.forEach((text, i) => {
    const value = parseLiteral(text);
    if (value === undefined) return;
    const floats = /\d\.\d|\de/i.test(text);
    for (const nudged of nudges(value, floats)) {
      const written = args.map((a, j) => (j === i ? render(nudged, language, floats) : a));
      out.push(`${name}(${written.join(', ')})`);
    }
  });
  return out;
}

/**
 * The probe calls for a set of example calls (`f(1, [2, 3])`, as written in the request):
 * the examples first, then their nudged variants taken in turn from each example, without
 * repeats. Calls that are not `name(arguments)` are skipped.
 */
export function probeCalls(calls: readonly string[], language: CodeLanguage, options: ProbeCallOptions = {}): string[] {
  const max = options.max ?? DEFAULT_MAX_PROBES;
  const examples = [...new Set(calls.map((c) => c.trim()).filter((c) => CALL.test(c)))];
  const out = new Set<string>(examples);
  const variants = examples.map((c) => variantsOf(c, language));
  for (let round = 0; variants.some((v) => round < v.length); round++) {
    for (const v of variants) if (round < v.length) out.add(v[round]);
  }
  return [...out].slice(0, max);
}
