/**
 * `compiler-expert` command line. Each subcommand lives in its own module and is
 * loaded lazily, so `exec` never pays for loading the native runtime and vice versa.
 */

/** A subcommand: gets its own argv (without the subcommand name), returns an exit code. */
export type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  exec: { summary: 'run code files in the sandbox, one JSON result per line', load: async () => (await import('../sandbox/execCommand')).execCommand },
  demo: {
    summary: 'a short built-in scenario on the default model (buggy code, verdict, self-correction)',
    load: async () => (await import('./demo')).demoCommand,
  },
  chat: {
    summary: 'an interactive chat with the compiler expert (one live session; /reset, /save FILE, /load FILE)',
    load: async () => (await import('./chat')).chatCommand,
  },
  run: {
    summary: 'generate an answer to "prompt" with the compiler expert in the loop',
    load: async () => (await import('./run')).runCommand,
  },
  setup: {
    summary: 'check the native runtime (MLX) and fetch the default model',
    load: async () => (await import('./setup')).setupCommand,
  },
  bench: {
    summary: 'benchmark the compiler expert on a task suite (resumable, shardable); bench report merges results',
    load: async () => (await import('./bench')).benchCommand,
  },
  models: {
    summary: 'list models, or fetch one: models fetch default',
    load: async () => (await import('./models')).modelsCommand,
  },
  calibrate: { summary: 'train the routing probe (which layer encodes "run this code") and write a report', load: async () => (await import('./calibrate')).calibrateCommand },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: compiler-expert <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

/** Entry point used by bin/compiler-expert.js. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`compiler-expert: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await command.load())(rest);
}
