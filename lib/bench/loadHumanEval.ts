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
  /**
   * The problem's language: `python` (the default), `javascript` or `typescript`, for sets
   * in this shape that HumanEval-X and MultiPL-E publish: a prompt in that language and a
   * `test` program that throws on failure and runs itself.
   */
  language?: 'python' | 'javascript' | 'typescript';
}

const LANGUAGES = ['python', 'javascript', 'typescript'] as const;
const FENCE: Record<(typeof LANGUAGES)[number], string> = { python: 'python', javascript: 'javascript', typescript: 'typescript' };
const NAME: Record<(typeof LANGUAGES)[number], string> = { python: 'Python', javascript: 'JavaScript', typescript: 'TypeScript' };

/**
 * Loads a HumanEval-format JSONL file as `function` tasks (Python unless a line says `language`). The model is shown
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
    if (p.language !== undefined && !LANGUAGES.includes(p.language)) {
      throw new InvalidArgumentError(`${path}:${i + 1}: language must be one of ${LANGUAGES.join(', ')}`);
    }
    return [humanEvalTask(p)];
  });
}

/** Converts one HumanEval problem (see {@link loadHumanEval}). */
export function humanEvalTask(p: HumanEvalProblem): BenchTask {
  const language = p.language ?? 'python';
  const examples = extractPromptTests(p.prompt, language, { functions: [p.entry_point] }).map((t) => t.code);
  // Python's test defines check(candidate); the JS/TS sets' tests run themselves. The sandbox
  // provides `assert`, so their `require('node:assert')` line (no modules there) is dropped.
  const test = language === 'python'
    ? `${p.test.trim()}\n\ncheck(${p.entry_point})`
    : p.test.replace(/^\s*(?:const|let|var)\s+assert\s*=\s*require\((['"])(?:node:)?assert\1\);?\s*$/m, '').trim();
  const fence = FENCE[language];
  return {
    id: p.task_id,
    kind: 'function',
    language,
    prompt: `Complete this ${NAME[language]} function. Reply with the whole function in one \`\`\`${fence} code block.\n\n\`\`\`${fence}\n${p.prompt.trimEnd()}\n\`\`\``,
    entryPoint: p.entry_point,
    hiddenTests: [test],
    ...(examples.length && { examples }),
    ...(p.canonical_solution !== undefined && { solution: p.prompt + p.canonical_solution }),
    source: 'humaneval',
  };
}
