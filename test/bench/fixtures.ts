/**
 * Three tiny tasks and scripted answers whose metrics are known by construction. One is
 * Python, two are JavaScript: each Python run boots a fresh Pyodide, seconds on a busy machine.
 */
import type { BenchTask } from '../../lib/bench';
import type { Script } from './ScriptedAnswerSource';

export const TASKS: BenchTask[] = [
  { id: 'a', kind: 'function', language: 'python', prompt: 'Write add(a, b).', entryPoint: 'add', hiddenTests: ['assert add(1, 2) == 3', 'assert add(-1, 1) == 0'] },
  { id: 'b', kind: 'fix', language: 'javascript', prompt: 'Fix isEven.', entryPoint: 'isEven', hiddenTests: ['assert.equal(isEven(2), true)', 'assert.equal(isEven(3), false)'] },
  { id: 'c', kind: 'multistep', language: 'javascript', prompt: 'Write double(x).', entryPoint: 'double', hiddenTests: ['assert.equal(double(2), 4)', 'assert.equal(double(0), 0)'] },
];

const fence = (lang: string, code: string) => `\`\`\`${lang}\n${code}\n\`\`\`\n`;
const VERDICT_FAIL = '\n<|im_start|>tool\n✗ assert add(1, 2) == 3 FAILED (got -1)\n<|im_end|>\n<|im_start|>assistant\n';
const VERDICT_OK = '\n<|im_start|>tool\n✓ Executed successfully\n✓ 3 generated checks passed\n<|im_end|>\n<|im_start|>assistant\n';

export const SCRIPTS: Record<string, Script> = {
  // a: right at once alone; with the expert, wrong first and fixed after the verdict.
  'a|model-only': { turns: [`Here:\n${fence('python', 'def add(a, b):\n    return a + b')}`] },
  'a|expert': { turns: [fence('python', 'def add(a, b):\n    return a - b'), `Fixed:\n${fence('python', 'def add(a, b):\n    return a + b')}`], verdicts: [VERDICT_FAIL] },
  // b: a syntax error alone; with the expert, right first, then broken after an echoed verdict.
  'b|model-only': { turns: [fence('js', 'function isEven(n) {\n  return n % 2 === 0;\n')] },
  'b|expert': {
    turns: [fence('js', 'function isEven(n) {\n  return n % 2 === 0;\n}'), `✓ 3 generated checks passed\n${fence('js', 'function isEven(n) {\n  return n % 2 === 1;\n}')}`],
    verdicts: [VERDICT_OK],
  },
  // c: a loop without code cut by the budget alone; with the expert, right and stopped on the pass.
  'c|model-only': { turns: ['I will write the function now. '.repeat(20)], finish: 'max_tokens' },
  'c|expert': { turns: [`${fence('js', 'function double(x) {\n  return 2 * x;\n}')}Usage:\n${fence('js', 'console.log(double(3));')}`], finish: 'passed' },
};
