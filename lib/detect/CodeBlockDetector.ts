/**
 * Streaming detection of the moments when the model has finished a piece of code: a
 * closed Markdown fence, a top-level function ended by a dedent, or a phrase announcing
 * that the code is about to be run.
 *
 * The detector is fed the text deltas of the generation as they arrive. It works one
 * character at a time, so the events are the same however the text is chunked (a token
 * may split a fence: "`" then "``\n").
 */
import { CodeLanguage, inferLanguage, normalizeLanguage } from './inferLanguage';

/** A fenced block has opened: "```python". */
export interface FenceOpenEvent {
  type: 'fence_open';
  /** First word of the info string, lower-cased, with aliases resolved (`py` → `python`); undefined when untagged. */
  language?: string;
  /** The whole info string after the fence, trimmed. */
  info: string;
  /** The fence itself, e.g. "```" or "~~~~". */
  fence: string;
  /** Offset of the opening line's first character in the streamed text. */
  start: number;
}

/** A fenced block has closed. */
export interface FenceCloseEvent {
  type: 'fence_close';
  language?: string;
  info: string;
  fence: string;
  /** The block's content, without the fences and without a trailing newline. */
  code: string;
  /** Offset of the opening fence line's first character. */
  start: number;
  /** Offset just past the closing fence line (its newline excluded). */
  end: number;
}

/** A top-level `def` / `function` outside any fence has ended (dedent, or closing brace). */
export interface FunctionCompleteEvent {
  type: 'function_complete';
  name: string;
  language: CodeLanguage;
  code: string;
  start: number;
  end: number;
}

/** Prose announcing execution: "Let me run this", "Running:", "Let's test it". */
export interface RunIntentEvent {
  type: 'run_intent';
  /** The phrase as written. */
  phrase: string;
  start: number;
  end: number;
}

/** Emitted by {@link CodeBlockDetector.end} for a fence that never closed. */
export interface UnclosedBlockEvent {
  type: 'unclosed_block';
  language?: string;
  info: string;
  fence: string;
  code: string;
  start: number;
}

/** Everything the detector reports. */
export type DetectorEvent =
  | FenceOpenEvent
  | FenceCloseEvent
  | FunctionCompleteEvent
  | RunIntentEvent
  | UnclosedBlockEvent;

interface OpenFence {
  char: string;
  length: number;
  indent: number;
  info: string;
  language?: string;
  start: number;
  lines: string[];
}

interface PendingFunction {
  name: string;
  kind: 'python' | 'script';
  start: number;
  lines: string[];
  /** Offset just past the last non-blank line seen so far. */
  end: number;
  /** Python: open brackets of a header that spans lines. */
  headerDepth: number;
  /** Python: the header's colon has been seen. */
  headerDone: boolean;
  /** Python: at least one statement of the body has been seen. */
  hasBody: boolean;
  /** Script: brace depth, and whether the body's `{` has been seen. */
  braceDepth: number;
  opened: boolean;
}

// CommonMark: up to 3 spaces of indentation, then 3+ backticks or tildes. A backtick
// fence's info string may not contain a backtick (that line is inline code instead).
const OPEN_FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const CLOSE_FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

const PYTHON_DEF = /^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/;
const SCRIPT_FUNCTION =
  /^(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)\s*[(<]/;
const SCRIPT_ARROW =
  /^(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*(?::[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>)/;

// Each phrase ends on a word (or its own colon); it counts only when followed by a
// non-word character or the end of the text, so "Let me run this" fires but
// "Let me run thistle" does not, whatever the chunking.
const RUN_INTENT = new RegExp(
  '(?:^|[^\\w\'’])(' +
    [
      "(?:let me|let['’]s|let us|i['’]ll|i will|we['’]ll|we will) (?:quickly )?(?:run|test|execute|try|check) (?:this|it|that|the code|the function|the script|a few cases|some cases)",
      '(?:running|executing|testing|test run|output of running)(?: it| this| the code)?:',
    ].join('|') +
    ')$',
  'i',
);

const WORD_CHAR = /[\w'’]/;

/**
 * Incremental detector of finished code. Feed it text deltas with {@link push} and call
 * {@link end} once the generation stops. Not reusable after `end()`: create one per
 * generation.
 *
 * @example
 * const detector = new CodeBlockDetector();
 * for await (const delta of stream) {
 *   for (const event of detector.push(delta)) if (event.type === 'fence_close') run(event.code);
 * }
 * detector.end();
 */
export class CodeBlockDetector {
  private offset = 0;
  private line = '';
  private lineStart = 0;
  private fence: OpenFence | undefined;
  private pending: PendingFunction | undefined;
  private ended = false;

  /** Feeds the next piece of generated text; returns the events it completed, in order. */
  push(delta: string): DetectorEvent[] {
    if (this.ended) throw new Error('CodeBlockDetector: push() after end()');
    const events: DetectorEvent[] = [];
    for (const char of delta) this.feed(char, events);
    return events;
  }

  /** Flushes the last partial line and reports a block left open. */
  end(): DetectorEvent[] {
    if (this.ended) return [];
    this.ended = true;
    const events: DetectorEvent[] = [];
    this.checkRunIntent(this.line, events);
    // After a final newline there is no last line: an empty one would add a blank line to an open block.
    if (this.line.length > 0) this.completeLine(this.line, events);
    this.flushPending(events);
    if (this.fence) {
      const f = this.fence;
      events.push({
        type: 'unclosed_block',
        ...(f.language !== undefined && { language: f.language }),
        info: f.info,
        fence: f.char.repeat(f.length),
        code: f.lines.join('\n'),
        start: f.start,
      });
      this.fence = undefined;
    }
    return events;
  }

  /** True while a fenced block is open (the model is writing code). */
  get inBlock(): boolean {
    return this.fence !== undefined;
  }

  private feed(char: string, events: DetectorEvent[]): void {
    if (char === '\n') {
      this.checkRunIntent(this.line, events);
      this.completeLine(this.line, events);
      this.offset += 1;
      this.line = '';
      this.lineStart = this.offset;
      return;
    }
    if (!WORD_CHAR.test(char)) this.checkRunIntent(this.line, events);
    this.line += char;
    this.offset += char.length;
    // A Python function ends as soon as a line starts at column 0: no need to wait for
    // the rest of that line, which saves the model a line of tokens before the verdict.
    if (this.line.length === char.length && !/\s/.test(char)) this.dedent(events);
  }

  private checkRunIntent(text: string, events: DetectorEvent[]): void {
    if (this.fence || text.length === 0) return;
    const match = RUN_INTENT.exec(text);
    if (!match) return;
    const phrase = match[1];
    const end = this.lineStart + text.length;
    events.push({ type: 'run_intent', phrase, start: end - phrase.length, end });
  }

  private dedent(events: DetectorEvent[]): void {
    const p = this.pending;
    if (!p || p.kind !== 'python' || this.fence) return;
    if (!p.headerDone || p.headerDepth > 0) return;
    this.pending = undefined;
    if (p.hasBody) events.push(this.functionEvent(p));
  }

  private completeLine(raw: string, events: DetectorEvent[]): void {
    // Offsets count the raw text; matching ignores a CR of CRLF line ends.
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.fence) {
      this.fenceLine(line, events);
      return;
    }
    const open = OPEN_FENCE.exec(line);
    if (open && !(open[2][0] === '`' && open[3].includes('`'))) {
      // A fence ends any function being written outside fences.
      this.flushPending(events);
      const info = open[3].trim();
      const tag = /^[{.]?([\w+#-]+)/.exec(info)?.[1]?.toLowerCase();
      const language = tag === undefined ? undefined : (normalizeLanguage(tag) ?? tag);
      this.fence = {
        char: open[2][0],
        length: open[2].length,
        indent: open[1].length,
        info,
        ...(language !== undefined && { language }),
        start: this.lineStart,
        lines: [],
      };
      events.push({
        type: 'fence_open',
        ...(language !== undefined && { language }),
        info,
        fence: open[2],
        start: this.lineStart,
      });
      return;
    }
    this.functionLine(line, events);
  }

  private fenceLine(line: string, events: DetectorEvent[]): void {
    const f = this.fence as OpenFence;
    const close = CLOSE_FENCE.exec(line);
    if (close && close[1][0] === f.char && close[1].length >= f.length) {
      events.push({
        type: 'fence_close',
        ...(f.language !== undefined && { language: f.language }),
        info: f.info,
        fence: f.char.repeat(f.length),
        code: f.lines.join('\n'),
        start: f.start,
        end: this.lineStart + line.length,
      });
      this.fence = undefined;
      return;
    }
    // Content keeps its own indentation minus the fence's (list items indent both).
    let strip = 0;
    while (strip < f.indent && line[strip] === ' ') strip++;
    f.lines.push(line.slice(strip));
  }

  private functionLine(line: string, events: DetectorEvent[]): void {
    const p = this.pending;
    if (p) {
      if (p.kind === 'python') {
        this.pythonLine(p, line);
        return;
      }
      this.scriptLine(p, line, events);
      return;
    }
    const def = PYTHON_DEF.exec(line);
    if (def) {
      const p: PendingFunction = this.newPending(def[1], 'python');
      this.pythonLine(p, line, true);
      this.pending = p;
      return;
    }
    const fn = SCRIPT_FUNCTION.exec(line) ?? SCRIPT_ARROW.exec(line);
    if (fn) {
      const p = this.newPending(fn[1], 'script');
      this.pending = p;
      this.scriptLine(p, line, events);
    }
  }

  private newPending(name: string, kind: 'python' | 'script'): PendingFunction {
    return {
      name,
      kind,
      start: this.lineStart,
      lines: [],
      end: this.lineStart,
      headerDepth: 0,
      headerDone: false,
      hasBody: false,
      braceDepth: 0,
      opened: false,
    };
  }

  private pythonLine(p: PendingFunction, line: string, header = false): void {
    p.lines.push(line);
    if (line.trim().length > 0) p.end = this.lineStart + line.length;
    if (!p.headerDone) {
      const code = stripPythonComment(line);
      p.headerDepth += bracketDelta(code);
      if (p.headerDepth <= 0) {
        p.headerDepth = 0;
        const colon = code.lastIndexOf(':');
        if (colon >= 0) {
          p.headerDone = true;
          // `def f(): return 1` carries its body on the header line.
          if (code.slice(colon + 1).trim().length > 0) p.hasBody = true;
        }
      }
      return;
    }
    if (!header && line.trim().length > 0 && !line.trim().startsWith('#')) p.hasBody = true;
  }

  private scriptLine(p: PendingFunction, line: string, events: DetectorEvent[]): void {
    p.lines.push(line);
    if (line.trim().length > 0) p.end = this.lineStart + line.length;
    for (const ch of stripScriptStrings(line)) {
      if (ch === '{') {
        p.braceDepth++;
        p.opened = true;
      } else if (ch === '}') {
        p.braceDepth--;
      }
    }
    if (p.opened && p.braceDepth <= 0) {
      this.pending = undefined;
      events.push(this.functionEvent(p));
    }
  }

  private flushPending(events: DetectorEvent[]): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    // A Python function whose body was written is complete when the text stops; a
    // script function is complete only once its braces balance (handled per line).
    if (p.kind === 'python' && p.headerDone && p.hasBody) events.push(this.functionEvent(p));
  }

  private functionEvent(p: PendingFunction): FunctionCompleteEvent {
    const lines = [...p.lines];
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    const code = lines.join('\n');
    const language: CodeLanguage =
      p.kind === 'python' ? 'python' : inferLanguage(code) === 'typescript' ? 'typescript' : 'javascript';
    return { type: 'function_complete', name: p.name, language, code, start: p.start, end: p.end };
  }
}

function stripPythonComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#') {
      return line.slice(0, i);
    }
  }
  return line;
}

function bracketDelta(code: string): number {
  let depth = 0;
  for (const ch of code) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
  }
  return depth;
}

// Braces inside string literals and line comments must not count toward the body's
// nesting; template literals spanning lines are rare in one function and not handled.
function stripScriptStrings(line: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === '/' && line[i + 1] === '/') break;
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else out += ch;
  }
  return out;
}
