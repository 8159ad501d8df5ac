/**
 * A second, small expert that shows the plugin interface is not about code: when the
 * model has just written an arithmetic expression and `=`, it supplies the exact value.
 */
import {
  ArithmeticDomainError,
  ArithmeticSyntaxError,
  evaluateArithmetic,
  formatRational,
  Rational,
} from './evaluateArithmetic';
import type { ExpertContext, ExpertVerdict, VirtualExpertPlugin } from './types';

/** Options of {@link MathExpertPlugin}. */
export interface MathExpertOptions {
  /** Selection priority. Defaults to {@link DEFAULT_MATH_PRIORITY}. */
  priority?: number;
  /** Longest result written out in full; longer ones are given as `≈ 1.2345e+678`. Defaults to {@link DEFAULT_MAX_RESULT_CHARS}. */
  maxResultChars?: number;
}

/**
 * Above the compiler expert's 8: a trailing `=` after arithmetic is a narrow, certain
 * trigger, while a closed code block earlier in the text would otherwise always win.
 */
export const DEFAULT_MATH_PRIORITY = 10;
/** Every injected token costs context: a 30,000-digit power is summarised. */
export const DEFAULT_MAX_RESULT_CHARS = 80;

// The expression is the longest run of arithmetic characters before a final `=` on the
// last line; a `=` that is part of `==`, `<=`, `>=`, `!=` is excluded by the run itself.
const TRAILING_EXPRESSION = /([\d\s.,_+\-*/^()×÷·∙−–]+)=[ \t]*$/;
const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Exact arithmetic for text ending in `expression =`: `12 * (3 + 4) =` gives `84`,
 * `1/3 + 1/6 =` gives `1/2`, `2^100 =` gives all 31 digits. The verdict text is the
 * bare value (the generator adds the space after `=`).
 */
export class MathExpertPlugin implements VirtualExpertPlugin {
  readonly name = 'math';
  readonly description = 'Computes arithmetic written before "=" exactly (big integers, fractions).';
  readonly priority: number;
  private readonly maxResultChars: number;

  constructor(options: MathExpertOptions = {}) {
    this.priority = options.priority ?? DEFAULT_MATH_PRIORITY;
    this.maxResultChars = options.maxResultChars ?? DEFAULT_MAX_RESULT_CHARS;
  }

  canHandle(context: ExpertContext): boolean {
    const expression = trailingExpression(context.text);
    if (expression === undefined) return false;
    try {
      return evaluateArithmetic(expression).operators > 0;
    } catch (error) {
      // Division by zero is a mistake the model should hear about; an inexact or
      // oversized result is a question this expert cannot answer, so it stays silent.
      return error instanceof ArithmeticDomainError && error.reason === 'division_by_zero';
    }
  }

  async execute(context: ExpertContext): Promise<ExpertVerdict | undefined> {
    const started = performance.now();
    const expression = trailingExpression(context.text);
    if (expression === undefined) return undefined;
    const verdict = (ok: boolean, text: string, message: string): ExpertVerdict => ({
      expert: this.name,
      ok,
      status: ok ? 'ok' : 'invalid',
      text,
      message,
      blocks: [],
      tests: [],
      warnings: [],
      durationMs: performance.now() - started,
    });
    try {
      const { value, operators } = evaluateArithmetic(expression);
      if (operators === 0) return undefined;
      const exact = formatRational(value);
      const text = exact.length <= this.maxResultChars ? exact : scientific(value);
      return verdict(true, text, `${expression.trim()} = ${text}`);
    } catch (error) {
      if (error instanceof ArithmeticDomainError && error.reason === 'division_by_zero') {
        return verdict(false, `✗ Error: ${error.message}`, error.message);
      }
      if (error instanceof ArithmeticSyntaxError || error instanceof ArithmeticDomainError) return undefined;
      throw error;
    }
  }
}

function trailingExpression(text: string): string | undefined {
  const lastLine = text.slice(text.lastIndexOf('\n') + 1);
  const match = TRAILING_EXPRESSION.exec(lastLine);
  if (!match) return undefined;
  // `x = 3 + 4 =` in a code block is code, not a question.
  const fences = text.split('\n').filter((line) => FENCE_LINE.test(line)).length;
  if (fences % 2 === 1) return undefined;
  // Thousands separators ("1,000") are dropped; a comma between numbers elsewhere
  // ("f(1, 2) =") leaves a parse error and no verdict.
  const expression = match[1].replace(/(\d),(\d{3})(?!\d)/g, '$1$2');
  // The run may start with a `)` or operator that belongs to the prose before it.
  const start = expression.search(/[\d.(+\-−–]/);
  return start < 0 ? undefined : expression.slice(start);
}

// Huge values: about 11 significant digits and the power of ten. With a digits in the
// numerator and b in the denominator, |num/den| lies in [10^(a-b-1), 10^(a-b+1)), so the
// scaled quotient has 11 or 12 digits.
function scientific(value: Rational): string {
  const negative = value.num < 0n;
  const num = negative ? -value.num : value.num;
  let exponent = num.toString().length - value.den.toString().length;
  const shift = 11 - exponent;
  const scaled = shift >= 0 ? (num * 10n ** BigInt(shift)) / value.den : num / (value.den * 10n ** BigInt(-shift));
  const digits = scaled.toString();
  if (digits.length < 12) exponent -= 1;
  const sign = exponent < 0 ? '-' : '+';
  return `≈ ${negative ? '-' : ''}${digits[0]}.${digits.slice(1, 11)}e${sign}${Math.abs(exponent)}`;
}
