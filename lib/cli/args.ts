/** A small argv parser: `--flag`, `--key value`, `--key=value`, `--no-flag`, positionals. */
export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | boolean>;
}

export function parseArgs(argv: string[], valueFlags: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | boolean>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = a.slice(2, eq > 0 ? eq : undefined);
    if (eq > 0) flags.set(key, a.slice(eq + 1));
    else if (valueFlags.includes(key)) {
      if (i + 1 >= argv.length) throw new Error(`--${key} needs a value`);
      flags.set(key, argv[++i]);
    } else if (key.startsWith('no-')) flags.set(key.slice(3), false);
    else flags.set(key, true);
  }
  return { positional, flags };
}

export function intFlag(args: ParsedArgs, key: string, fallback: number, min = 1): number {
  const v = args.flags.get(key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${key} must be an integer >= ${min}`);
  return n;
}

export function stringFlag(args: ParsedArgs, key: string): string | undefined {
  const v = args.flags.get(key);
  if (v === true) throw new Error(`--${key} needs a value`);
  return v === undefined || v === false ? undefined : v;
}
