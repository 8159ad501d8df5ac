/**
 * Locates the code a compiler verdict should be about in a whole generated text: the
 * last closed fenced block, or failing that the last complete unfenced function.
 */
import { CodeBlockDetector } from '../detect/CodeBlockDetector';
import type { CodeBlockInput } from './types';

/**
 * Runs the streaming detector over `text` in one go and returns the last closed fence
 * (tag and code), else the last top-level function completed outside fences, else
 * undefined. A block still open at the end of the text is not finished and not returned.
 */
export function findCodeBlock(text: string): CodeBlockInput | undefined {
  const detector = new CodeBlockDetector();
  const events = [...detector.push(text), ...detector.end()];
  let fallback: CodeBlockInput | undefined;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type === 'fence_close') {
      return { code: e.code, ...(e.language !== undefined && { language: e.language }), start: e.start, end: e.end };
    }
    if (e.type === 'function_complete' && !fallback) {
      fallback = { code: e.code, language: e.language, start: e.start, end: e.end };
    }
  }
  return fallback;
}
