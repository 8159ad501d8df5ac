/**
 * The labelled calibration set of the routing probe: chats whose assistant text ends
 * at a trigger position (a closing fence line, a finished function, "Let me run this").
 * Positive: finished code the assistant means to run or test. Negative: code being
 * explained, pseudo-code, partial or illustrative snippets, shell commands, output
 * blocks, code quoted from the question, and the seed's prose negatives.
 *
 * Every context is built from templates over {@link SNIPPETS}, so the same code shows
 * up on both sides of the label: the probe cannot win on the code alone.
 */
import { SNIPPETS, type Snippet, type SnippetLanguage } from './snippets';

/** One labelled context. */
export interface CalibrationContext {
  /** Stable id: `<snippet>/<frame>` or `<group>/<n>`. */
  id: string;
  /** True when the code just finished should be executed. */
  label: boolean;
  /** Template that produced it (for per-frame error analysis). */
  frame: string;
  /** Language of the code, when there is code. */
  language?: SnippetLanguage;
  /** Held out from training and threshold selection; used only for the final evaluation. */
  heldOut: boolean;
  /** The user's message. */
  user: string;
  /** The assistant's text so far; the trigger is its last token. */
  assistant: string;
}

const LANG_NAME: Record<SnippetLanguage, string> = { python: 'Python', javascript: 'JavaScript', typescript: 'TypeScript' };
// Fence tags as models write them; aliases are part of the variation.
const TAGS: Record<SnippetLanguage, readonly string[]> = { python: ['python', 'py'], javascript: ['javascript', 'js'], typescript: ['typescript', 'ts'] };
const COMMENT: Record<SnippetLanguage, string> = { python: '#', javascript: '//', typescript: '//' };

const fence = (tag: string, body: string) => `\`\`\`${tag}\n${body}\n\`\`\`\n`;
const pick = <T>(options: readonly T[], i: number): T => options[i % options.length];

/** First line of the function (its signature), and the body's indentation. */
function signature(s: Snippet): string {
  const lines = s.code.split('\n');
  // TypeScript snippets may open with an interface; the function line is the one to show.
  return lines.find((l) => /^(def |function |class )/.test(l)) ?? lines[0];
}

function partialCode(s: Snippet): string {
  const c = COMMENT[s.language];
  const head = signature(s);
  return s.language === 'python' ? `${head}\n    ${c} ... your logic here\n    pass` : `${head}\n  ${c} ...\n}`;
}

function pseudoCode(s: Snippet): string {
  return [`${s.name.toUpperCase()}(input):`, ...s.plan.map((step) => `    ${step}`)].join('\n');
}

/** The positive and negative framings of one snippet; `k` varies the wording. */
function framesOf(s: Snippet, k: number): Omit<CalibrationContext, 'id' | 'heldOut' | 'language'>[] {
  const lang = LANG_NAME[s.language];
  const tag = pick(TAGS[s.language], k);
  const full = `${s.code}\n\n${s.calls}`;
  const ask = pick([`Write a ${lang} function that ${s.task}.`, `Can you write ${s.name} in ${lang}? It ${s.task}.`, `I need ${lang} code that ${s.task}.`], k);
  const outputTag = pick(['', 'text', 'output'], k);
  return [
    // Positives: finished code, offered as the answer or about to be run.
    {
      frame: 'answer',
      label: true,
      user: ask,
      assistant: `${pick(["Here's the code:", `Here is a ${lang} function that ${s.task}:`, "Sure! Here's an implementation:", 'This should work:'], k)}\n\n${fence(tag, full)}`,
    },
    {
      frame: 'run-check',
      label: true,
      user: `Write a ${lang} function that ${s.task}, and test it.`,
      assistant: `${pick(["Here's the function.", `Sure, here is ${s.name}.`, 'Okay.'], k)} ${pick(['Let me run this to check it works:', "Let's test it:", "I'll run it with a few inputs:", 'Running it:'], k)}\n\n${fence(tag, full)}`,
    },
    k % 2 === 0
      ? { frame: 'untagged', label: true, user: ask, assistant: `Here's the code:\n\n${fence('', full)}` }
      : { frame: 'bare-run', label: true, user: ask, assistant: `${full}\n\n${pick(['Let me run this', 'Let me test it', "Let's run it"], k >> 1)}` },
    {
      frame: 'fixed',
      label: true,
      user: `My ${lang} function ${s.name} has a bug. Can you fix it?\n\n${fence(tag, signature(s))}`,
      assistant: `${pick(['Here is the corrected version, with a quick test:', 'The fixed function:', 'Try this version:'], k)}\n\n${fence(tag, full)}`,
    },
    // Negatives: the same code, not meant to run now.
    {
      frame: 'explain',
      label: false,
      user: `What does this code do?\n\n${fence(tag, s.code)}`,
      assistant: `${pick(['You shared this function:', 'Let me explain it. The code is:', "Let's look at the code you posted:"], k)}\n\n${fence(tag, s.code)}`,
    },
    {
      frame: 'explain-line',
      label: false,
      user: `Can you explain this ${lang} code line by line?\n\n${fence(tag, full)}`,
      assistant: `Sure. ${pick(['The first line is the signature:', 'It starts by declaring the function:', 'Look at this line first:'], k)}\n\n${fence(tag, signature(s))}`,
    },
    {
      frame: 'partial',
      label: false,
      user: `How would I structure a ${lang} function that ${s.task}? Just the outline, I'll fill it in.`,
      assistant: `${pick(['The general shape is something like this:', 'A skeleton to start from:', 'You could structure it like this:'], k)}\n\n${fence(tag, partialCode(s))}`,
    },
    {
      frame: 'pseudo',
      label: false,
      user: `Describe an algorithm that ${s.task}, in pseudo-code.`,
      assistant: `${pick(['In pseudo-code:', 'Here is the idea in pseudo-code:', 'The algorithm, informally:'], k)}\n\n${fence(pick(['', 'text', ''], k), pseudoCode(s))}`,
    },
    {
      frame: 'output',
      label: false,
      user: `What does this print?\n\n${fence(tag, full)}`,
      assistant: `${pick(['It prints:', 'The output is:', 'Running it gives:'], k)}\n\n${fence(outputTag, s.output)}`,
    },
  ];
}

// Shell sessions and commands: fenced, sometimes tagged, never for the code runner.
const SHELL: readonly [string, string, string][] = [
  ['How do I install requests?', 'Install it with pip:', 'pip install requests'],
  ['How do I start a new Node project?', 'Run this in an empty folder:', 'npm init -y'],
  ['How do I add TypeScript to my project?', 'Add it as a dev dependency:', 'npm install --save-dev typescript'],
  ['How do I run a Python script?', 'From a terminal:', 'python3 script.py'],
  ['How do I create a virtual environment?', 'Create and activate it:', 'python3 -m venv .venv\nsource .venv/bin/activate'],
  ['How do I compile my TypeScript?', 'Use the compiler:', 'npx tsc -p .'],
  ['How do I list the files in a folder?', 'On Linux or macOS:', 'ls -la'],
  ['How do I clone a repository?', 'With git:', 'git clone https://github.com/user/repo.git'],
  ['How do I run the tests?', 'Run:', 'npm test'],
  ['How do I check my Python version?', 'Type:', 'python3 --version'],
  ['How do I install numpy and pandas?', 'Install both at once:', 'pip install numpy pandas'],
  ['How do I run a JavaScript file?', 'With Node.js:', 'node index.js'],
  ['How do I see which packages are installed?', 'List them:', 'pip list'],
  ['How do I make a script executable?', 'Change its mode:', 'chmod +x run.sh'],
  ['How do I find large files?', 'This lists the ten biggest:', 'du -ah . | sort -rh | head -n 10'],
  ['How do I kill a process on port 3000?', 'Find and stop it:', 'lsof -ti :3000 | xargs kill'],
];

// The seed's calibration prompts (docs: "Calibration prompts"), verbatim.
const SEED_POSITIVE = ["```python\ndef foo():\n    return 1\n```\n", "Here's the code:\n```\nprint('hello')\n```\n", 'def test():\n    pass\n\nLet me run this'];
const SEED_NEGATIVE = ['The syntax for Python is', 'In programming, a function', '```python  # Just starting', 'What does this code do?'];

/** Every 4th snippet of each language, from the 2nd, (and every 4th shell context) is held out: 25%. */
const HELD_OUT_EVERY = 4;

/** The full calibration set, in a fixed order. Deterministic: no randomness. */
export function calibrationContexts(): CalibrationContext[] {
  const out: CalibrationContext[] = [];
  const perLanguage = new Map<SnippetLanguage, number>();
  for (const s of SNIPPETS) {
    const k = perLanguage.get(s.language) ?? 0;
    perLanguage.set(s.language, k + 1);
    const heldOut = k % HELD_OUT_EVERY === 1;
    for (const f of framesOf(s, k)) out.push({ ...f, id: `${s.id}/${f.frame}`, language: s.language, heldOut });
  }
  SHELL.forEach(([user, intro, cmd], i) => {
    out.push({
      id: `shell/${i}`,
      label: false,
      frame: 'shell',
      heldOut: i % HELD_OUT_EVERY === HELD_OUT_EVERY - 1,
      user,
      assistant: `${intro}\n\n${fence(pick(['bash', 'sh', '', 'shell', 'console'], i), cmd)}`,
    });
  });
  SEED_POSITIVE.forEach((assistant, i) => out.push({ id: `seed-positive/${i}`, label: true, frame: 'seed', heldOut: false, user: 'Write some code.', assistant, language: 'python' }));
  SEED_NEGATIVE.forEach((assistant, i) => out.push({ id: `seed-negative/${i}`, label: false, frame: 'seed', heldOut: false, user: 'Tell me about programming.', assistant }));
  return out;
}
