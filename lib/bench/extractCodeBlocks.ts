import { CodeBlockDetector } from '../detect/CodeBlockDetector';
import { normalizeLanguage } from '../detect/inferLanguage';

/** A closed code block of an answer. */
export interface AnswerBlock {
  /** Turn of the answer it was written in (0 = before any verdict). */
  turn: number;
  /** Fence tag as the detector resolved it; undefined when untagged. */
  language?: string;
  code: string;
}

/**
 * The closed, runnable code blocks of an answer, in order: blocks tagged with a code
 * language or untagged. Blocks tagged `text`, `bash`, `output`… are skipped (they are
 * not code to run); an unclosed block (cut by the token budget) is not a block. Each
 * turn is scanned from a clean state, as the generator does.
 */
export function extractCodeBlocks(turns: readonly string[]): AnswerBlock[] {
  const blocks: AnswerBlock[] = [];
  turns.forEach((text, turn) => {
    const detector = new CodeBlockDetector();
    for (const e of [...detector.push(text), ...detector.end()]) {
      if (e.type !== 'fence_close' || e.code.trim() === '') continue;
      if (e.language !== undefined && normalizeLanguage(e.language) === undefined) continue;
      blocks.push({ turn, language: e.language, code: e.code });
    }
  });
  return blocks;
}

/**
 * The blocks the hidden tests judge: among the blocks that define `entryPoint` (or all
 * blocks when none does), the first and the last. A trailing usage example such as
 * `print(f(3))` is therefore not taken for the answer's code.
 */
export function pickBlocks(blocks: readonly AnswerBlock[], entryPoint: string): { first?: AnswerBlock; final?: AnswerBlock } {
  const defines = new RegExp(`(?:\\bdef|\\bfunction\\*?|\\bconst|\\blet|\\bvar)\\s+${entryPoint.replace(/[$]/g, '\\$')}\\b`);
  const defining = blocks.filter((b) => defines.test(b.code));
  const pool = defining.length ? defining : blocks;
  return { first: pool[0], final: pool[pool.length - 1] };
}
