/**
 * Plain data values (numbers, strings, booleans, null, lists, string-keyed maps) written
 * as Python or JavaScript source, and read back from either: tests travel between the
 * languages (a Python assert in a prompt, JavaScript code in the answer).
 */
import type { CodeLanguage } from '../detect/inferLanguage';

/** A value that has the same meaning in Python and JavaScript. */
export type PlainValue = number | string | boolean | null | PlainValue[] | { [key: string]: PlainValue };

/** Writes a value as source: `[1, "a", None]` for Python, `[1, "a", null]` for JS/TS. */
export function renderValue(value: PlainValue, language: CodeLanguage): string {
  if (value === null) return language === 'python' ? 'None' : 'null';
  if (typeof value === 'boolean') return language === 'python' ? (value ? 'True' : 'False') : String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => renderValue(v, language)).join(', ')}]`;
  const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${renderValue(v, language)}`);
  return `{${entries.join(', ')}}`;
}

const WORDS: Readonly<Record<string, PlainValue>> = {
  True: true,
  False: false,
  None: null,
  true: true,
  false: false,
  null: null,
  undefined: null,
};

/**
 * Reads one literal (the whole text) written in Python or JavaScript; tuples read as
 * lists. Returns undefined when the text is not a plain literal (a call, a name, a repr
 * such as `<object at 0x…>`).
 */
export function parseLiteral(text: string): PlainValue | undefined {
  const reader = new LiteralReader(text.trim());
  try {
    const value = reader.value();
    return reader.atEnd() ? value : undefined;
  } catch (error) {
    if (error instanceof LiteralError) return undefined;
    throw error;
  }
}

class LiteralError extends Error {}

class LiteralReader {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    this.space();
    return this.pos === this.text.length;
  }

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private fail(): never {
    throw new LiteralError(`not a literal at ${this.pos}`);
  }

  value(): PlainValue {
    this.space();
    const rest = this.text.slice(this.pos);
    const number = /^-?(\d+\.?\d*(e[+-]?\d+)?|\.\d+)/i.exec(rest);
    if (number) {
      this.pos += number[0].length;
      return Number(number[0]);
    }
    const word = /^[A-Za-z_]\w*/.exec(rest);
    if (word) {
      if (!(word[0] in WORDS)) this.fail();
      this.pos += word[0].length;
      return WORDS[word[0]];
    }
    const ch = this.text[this.pos];
    if (ch === '"' || ch === "'") return this.string(ch);
    if (ch === '[' || ch === '(') return this.list(ch === '[' ? ']' : ')');
    if (ch === '{') return this.map();
    return this.fail();
  }

  private string(quote: string): string {
    let out = '';
    for (this.pos++; this.pos < this.text.length; this.pos++) {
      const ch = this.text[this.pos];
      if (ch === quote) {
        this.pos++;
        return out;
      }
      if (ch === '\\') {
        const next = this.text[++this.pos];
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      } else {
        out += ch;
      }
    }
    return this.fail();
  }

  private list(close: string): PlainValue[] {
    const items: PlainValue[] = [];
    this.pos++;
    for (;;) {
      this.space();
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.value());
      this.space();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) this.fail();
    }
  }

  private map(): { [key: string]: PlainValue } {
    const out: { [key: string]: PlainValue } = {};
    this.pos++;
    for (;;) {
      this.space();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const ch = this.text[this.pos];
      let key: string;
      if (ch === '"' || ch === "'") {
        key = this.string(ch);
      } else {
        const bare = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(this.pos));
        if (!bare) this.fail();
        key = bare[0];
        this.pos += key.length;
      }
      this.space();
      if (this.text[this.pos] !== ':') this.fail();
      this.pos++;
      out[key] = this.value();
      this.space();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') this.fail();
    }
  }
}
