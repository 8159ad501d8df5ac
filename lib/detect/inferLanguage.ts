/**
 * Language names for code blocks: fence tags and their aliases, and a guess from the
 * code itself for blocks the model left untagged.
 */

/** A language the compiler expert can run. */
export type CodeLanguage = 'python' | 'javascript' | 'typescript';

// Tags models actually write after ```; jsx/tsx are left out on purpose: their markup
// does not run in a plain JS/TS executor, so a verdict on them would be noise.
const LANGUAGE_ALIASES: Readonly<Record<string, CodeLanguage>> = {
  python: 'python',
  python3: 'python',
  py: 'python',
  py3: 'python',
  javascript: 'javascript',
  js: 'javascript',
  node: 'javascript',
  nodejs: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  typescript: 'typescript',
  ts: 'typescript',
};

/**
 * Maps a fence tag (`py`, `JS`, `node`, `python3`, …) to a runnable language.
 * Returns undefined for tags of other languages (`bash`, `text`, `json`, `output`, …).
 */
export function normalizeLanguage(tag: string | undefined): CodeLanguage | undefined {
  if (!tag) return undefined;
  return LANGUAGE_ALIASES[tag.trim().toLowerCase()];
}

interface Cue {
  pattern: RegExp;
  weight: number;
}

// Each cue is a construct that is legal (or idiomatic) in one language and not the other.
// Weights: 3 = decisive on its own, 1 = a hint. A block with no cue at all (program
// output such as `[1, 2, 3]`, prose, shell) is not guessed.
const PYTHON_CUES: readonly Cue[] = [
  { pattern: /^\s*(async\s+)?def\s+\w+\s*\(.*\)\s*(->\s*[^:]+)?:\s*(#.*)?$/m, weight: 3 },
  { pattern: /^\s*from\s+[\w.]+\s+import\s+\w/m, weight: 3 },
  { pattern: /^\s*import\s+[\w.]+(\s+as\s+\w+)?\s*$/m, weight: 2 },
  { pattern: /^\s*(if|elif|else|for|while|with|try|except|finally|class)\b[^{;]*:\s*(#.*)?$/m, weight: 2 },
  { pattern: /(^|[^.\w])print\(/m, weight: 2 },
  { pattern: /\b(None|True|False|elif|self|lambda)\b/, weight: 1 },
  { pattern: /^\s*#(?!!)/m, weight: 1 },
  { pattern: /^[A-Za-z_]\w*\s*=\s*[^=;]*$/m, weight: 1 },
  { pattern: /\bf"[^"]*\{/, weight: 1 },
];

const SCRIPT_CUES: readonly Cue[] = [
  { pattern: /\bfunction\s*\*?\s*\w*\s*\(/, weight: 3 },
  { pattern: /\bconsole\.\w+\(/, weight: 3 },
  { pattern: /\b(const|let|var)\s+[\w${}[\], ]+\s*(:[^=]+)?=/, weight: 2 },
  { pattern: /\brequire\(|^\s*import\s.+\sfrom\s+['"]|^\s*export\s/m, weight: 2 },
  { pattern: /=>/, weight: 1 },
  { pattern: /===|!==/, weight: 2 },
  { pattern: /;\s*$/m, weight: 1 },
  { pattern: /^\s*\}/m, weight: 1 },
  { pattern: /^\s*\/\//m, weight: 1 },
];

const TYPESCRIPT_CUES: readonly Cue[] = [
  { pattern: /[\w)\]]\s*:\s*(number|string|boolean|void|any|unknown|never|bigint|object)\b/, weight: 3 },
  { pattern: /\b(interface|enum)\s+\w+\s*\{/, weight: 3 },
  { pattern: /^\s*(export\s+)?type\s+\w+(<[^>]*>)?\s*=/m, weight: 3 },
  { pattern: /:\s*\w+(\[\]|<[^>]+>)/, weight: 2 },
  { pattern: /\bas\s+(const|[A-Z]\w*|number|string)\b/, weight: 2 },
  { pattern: /\b(public|private|protected|readonly)\s+\w/, weight: 1 },
];

function score(code: string, cues: readonly Cue[]): number {
  let total = 0;
  for (const cue of cues) if (cue.pattern.test(code)) total += cue.weight;
  return total;
}

/**
 * Guesses the language of an untagged code block. Returns undefined when the text does
 * not look like Python, JavaScript or TypeScript (program output, prose, shell), or when
 * the cues tie and no `preferred` language breaks the tie.
 */
export function inferLanguage(code: string, preferred?: CodeLanguage): CodeLanguage | undefined {
  const python = score(code, PYTHON_CUES);
  const script = score(code, SCRIPT_CUES);
  const typescript = script > 0 ? score(code, TYPESCRIPT_CUES) : 0;
  if (python === 0 && script === 0) return undefined;
  if (python > script + typescript) return 'python';
  if (script + typescript > python) {
    if (typescript >= 3) return 'typescript';
    return preferred === 'typescript' ? 'typescript' : 'javascript';
  }
  return preferred;
}
