/**
 * Exact arithmetic on a written expression: integers of any size and rationals, with
 * BigInt, parsed by hand (no eval, no floating point).
 */
import { CompilerExpertError } from '../errors';

/** A reduced fraction; `den` is always positive. */
export interface Rational {
  num: bigint;
  den: bigint;
}

/** Why an expression has no exact value. */
export type ArithmeticDomainReason = 'division_by_zero' | 'inexact' | 'too_large';

/** Thrown for an expression that has no exact value (division by zero, 2^0.5, too big). */
export class ArithmeticDomainError extends CompilerExpertError {
  readonly reason: ArithmeticDomainReason;
  constructor(reason: ArithmeticDomainReason, message: string) {
    super('ARITHMETIC_DOMAIN', message);
    this.reason = reason;
  }
}

/** Thrown for text that is not an arithmetic expression. */
export class ArithmeticSyntaxError extends CompilerExpertError {
  constructor(message: string) {
    super('ARITHMETIC_SYNTAX', message);
  }
}

// A power is refused when its result would exceed this many bits (about 30,000 decimal
// digits): exact big powers are the point, a 2^(10^9) that stalls the generator is not.
const MAX_RESULT_BITS = 100_000;

type Token = { kind: 'num'; text: string } | { kind: 'op'; text: string };

const OPERATOR_ALIASES: Readonly<Record<string, string>> = {
  '×': '*',
  '·': '*',
  '∙': '*',
  '÷': '/',
  '−': '-',
  '–': '-',
};

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const number = /^(\d[\d_]*(\.\d+)?|\.\d+)/.exec(source.slice(i));
    if (number) {
      tokens.push({ kind: 'num', text: number[0].replace(/_/g, '') });
      i += number[0].length;
      continue;
    }
    if (source.startsWith('**', i)) {
      tokens.push({ kind: 'op', text: '^' });
      i += 2;
      continue;
    }
    const op = OPERATOR_ALIASES[ch] ?? ch;
    if ('+-*/^()'.includes(op)) {
      tokens.push({ kind: 'op', text: op });
      i++;
      continue;
    }
    throw new ArithmeticSyntaxError(`unexpected '${ch}'`);
  }
  return tokens;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function make(num: bigint, den: bigint): Rational {
  if (den === 0n) throw new ArithmeticDomainError('division_by_zero', 'division by zero');
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

function parseNumber(text: string): Rational {
  const [whole, fraction = ''] = text.split('.');
  return make(BigInt((whole || '0') + fraction), 10n ** BigInt(fraction.length));
}

function bitLength(n: bigint): number {
  return (n < 0n ? -n : n).toString(2).length;
}

function power(base: Rational, exponent: Rational): Rational {
  if (exponent.den !== 1n) throw new ArithmeticDomainError('inexact', 'non-integer exponent has no exact value');
  const e = exponent.num < 0n ? -exponent.num : exponent.num;
  const bits = Math.max(bitLength(base.num), bitLength(base.den));
  if (bits > 1 && Number(e) * bits > MAX_RESULT_BITS) throw new ArithmeticDomainError('too_large', 'result too large');
  const raised = make(base.num ** e, base.den ** e);
  return exponent.num < 0n ? make(raised.den, raised.num) : raised;
}

/** Recursive descent: sum → product → unary → power → atom (power is right-associative, and binds tighter than unary minus: -2^2 = -4). */
class Parser {
  private pos = 0;
  operators = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Rational {
    const value = this.sum();
    if (this.pos < this.tokens.length) throw new ArithmeticSyntaxError(`unexpected '${this.tokens[this.pos].text}'`);
    return value;
  }

  private peek(): string | undefined {
    const t = this.tokens[this.pos];
    return t?.kind === 'op' ? t.text : undefined;
  }

  private sum(): Rational {
    let left = this.product();
    for (let op = this.peek(); op === '+' || op === '-'; op = this.peek()) {
      this.pos++;
      this.operators++;
      const right = this.product();
      left = make(
        op === '+' ? left.num * right.den + right.num * left.den : left.num * right.den - right.num * left.den,
        left.den * right.den,
      );
    }
    return left;
  }

  private product(): Rational {
    let left = this.unary();
    for (let op = this.peek(); op === '*' || op === '/'; op = this.peek()) {
      this.pos++;
      this.operators++;
      const right = this.unary();
      left = op === '*' ? make(left.num * right.num, left.den * right.den) : make(left.num * right.den, left.den * right.num);
    }
    return left;
  }

  private unary(): Rational {
    const op = this.peek();
    if (op === '-' || op === '+') {
      this.pos++;
      const value = this.unary();
      return op === '-' ? { num: -value.num, den: value.den } : value;
    }
    return this.power();
  }

  private power(): Rational {
    const base = this.atom();
    if (this.peek() !== '^') return base;
    this.pos++;
    this.operators++;
    return power(base, this.unary());
  }

  private atom(): Rational {
    const token = this.tokens[this.pos];
    if (!token) throw new ArithmeticSyntaxError('unexpected end of expression');
    this.pos++;
    if (token.kind === 'num') return parseNumber(token.text);
    if (token.text !== '(') throw new ArithmeticSyntaxError(`unexpected '${token.text}'`);
    const inner = this.sum();
    if (this.peek() !== ')') throw new ArithmeticSyntaxError("missing ')'");
    this.pos++;
    return inner;
  }
}

/** The result of {@link evaluateArithmetic}. */
export interface ArithmeticResult {
  value: Rational;
  /** Number of binary operators (+ - * / ^): 0 means the text was a bare number. */
  operators: number;
}

/**
 * Evaluates `+ - * / ^ **` (and `× ÷ −`), parentheses and decimal numbers exactly.
 * Throws {@link ArithmeticSyntaxError} or {@link ArithmeticDomainError}.
 */
export function evaluateArithmetic(expression: string): ArithmeticResult {
  const parser = new Parser(tokenize(expression));
  const value = parser.parse();
  return { value, operators: parser.operators };
}

/**
 * Writes a rational the way a person would: an integer, a terminating decimal (`2.5`),
 * or a reduced fraction (`1/3`).
 */
export function formatRational(value: Rational): string {
  if (value.den === 1n) return value.num.toString();
  // A fraction terminates in base 10 exactly when its denominator is 2^a·5^b.
  let d = value.den;
  let twos = 0;
  let fives = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    twos++;
  }
  while (d % 5n === 0n) {
    d /= 5n;
    fives++;
  }
  if (d !== 1n) return `${value.num}/${value.den}`;
  const places = Math.max(twos, fives);
  const scaled = (value.num * 10n ** BigInt(places)) / value.den;
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(places + 1, '0');
  const text = `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return negative ? `-${text}` : text;
}
