import { promises as fs } from 'node:fs';
import { InvalidArgumentError } from '../errors';
import { extractPromptTests } from '../testgen/extractPromptTests';
import type { BenchTask } from './types';

/** One line of a HumanEval-format file (openai/human-eval's HumanEval.jsonl). */
export interface HumanEvalProblem {
  task_id: string;
  prompt: string;
  entry_point: string;
  /** Defines `check(candidate)`; the hidden test calls it on the entry point. */
  test: string;
  canonical_solution?: string;
}

/**
 * Loads a HumanEval-format JSONL file as Python `function` tasks. The model is shown
 * the signature and docstring in a fence and asked for the whole function; the hidden
 * test is the file's `check` applied to the entry point (one test, so pass@1 is all
 * or nothing, as in HumanEval); the docstring's `>>>` examples become visible examples;
 * the reference solution is prompt + canonical_solution.
 */
export async function loadHumanEval(path: string): Promise<BenchTask[]> {
  const text = await fs.readFile(path, 'utf8');
  return text.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    let p: HumanEvalProblem;
    try {
      p = JSON.parse(line) as HumanEvalProblem;
    } catch (e) {
      throw new InvalidArgumentError(`${path}:${i + 1}: ${(e as Error).message}`);
    }
    for (const key of ['task_id', 'prompt', 'entry_point', 'test'] as const) {
      if (typeof p[key] !== 'string' || p[key].trim() === '') throw new InvalidArgumentError(`${path}:${i + 1}: missing ${key}`);
    }
    return [humanEvalTask(p)];
  });
}

/** Converts one HumanEval problem (see {@link loadHumanEval}). */
export function humanEvalTask(p: HumanEvalProblem): BenchTask {
  const examples = extractPromptTests(p.prompt, 'python', { functions: [p.entry_point] }).map((t) => t.code);
  return {
    id: p.task_id,
    kind: 'function',
    language: 'python',
    prompt: `Complete this Python function. Reply with the whole function in one \`\`\`python code block.\n\n\`\`\`python\n${p.prompt.trimEnd()}\n\`\`\``,
    entryPoint: p.entry_point,
    hiddenTests: [`${p.test.trim()}\n\ncheck(${p.entry_point})`],
    ...(examples.length && { examples }),
    ...(p.canonical_solution !== undefined && { solution: p.prompt + p.canonical_solution }),
    source: 'humaneval',
  };
}
