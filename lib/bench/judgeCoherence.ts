import type { BenchAnswer } from './AnswerSource';
import type { CoherenceChecks } from './types';

/** Finish reasons that count as the answer ending by itself (see lib/bench/README.md). */
export const STOPPED_FINISHES: readonly string[] = ['stop_token', 'stop_string', 'passed', 'rounds_exhausted'];

/** A non-blank line this many times in a row is a loop. Defaults to 3. */
export const LOOP_LINE_REPEATS = 3;
/** Shortest line, and shortest chunk, that counts towards a loop: short lines (`}`, `else:`) repeat legitimately. */
export const LOOP_MIN_CHARS = 10;
/** Shortest verdict line whose copy counts as an echo: short lines (`✓ Executed`) are too generic to tell. */
export const ECHO_MIN_CHARS = 12;

/**
 * Judges whether an answer is well-formed by the explicit rules of lib/bench/README.md.
 * `hasCode` says whether a closed code block was found (see `extractCodeBlocks`).
 */
export function judgeCoherence(answer: BenchAnswer, hasCode: boolean, prompt: string): CoherenceChecks {
  return {
    stopped: STOPPED_FINISHES.includes(answer.finish),
    noLoop: !answer.turns.some(hasLoop),
    noEcho: !echoesVerdict(answer, prompt),
    finalCode: hasCode,
  };
}

/** True when the text repeats a line (or, at its end, any chunk) {@link LOOP_LINE_REPEATS} times in a row. */
export function hasLoop(text: string): boolean {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  let run = 1;
  for (let i = 1; i < lines.length; i++) {
    run = lines[i] === lines[i - 1] ? run + 1 : 1;
    if (run >= LOOP_LINE_REPEATS && lines[i].length >= LOOP_MIN_CHARS) return true;
  }
  // A loop cut by the token budget ends mid-line: look for a chunk repeated at the very end.
  const tail = text.slice(-600).trimEnd();
  const chunk = new RegExp(`([\\s\\S]{${LOOP_MIN_CHARS},200}?)\\1{${LOOP_LINE_REPEATS - 1},}$`);
  return chunk.test(tail);
}

/** True when a turn after a verdict copies one of its lines (those not already in the prompt). */
export function echoesVerdict(answer: BenchAnswer, prompt: string): boolean {
  return answer.verdicts.some((verdict, i) => {
    const lines = verdict.split('\n').map((l) => l.trim()).filter((l) => l.length >= ECHO_MIN_CHARS && !prompt.includes(l));
    const later = answer.turns.slice(i + 1).join('\n');
    return lines.some((l) => later.includes(l));
  });
}
