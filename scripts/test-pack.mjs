#!/usr/bin/env node
// Shows the package works as a dependency: makes the prebuild for this platform,
// packs the package, installs the tarball into an empty project (npm 11 blocks
// dependency install scripts, so only the prebuilt binary can work there), and
// generates a few tokens with the default model fetched lazily on first use.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sh = (cmd, args, cwd, env = {}) => {
  console.error(`[pack] ${cmd} ${args.join(' ')}  (in ${cwd})`);
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
  return r.stdout;
};

sh(process.execPath, [join(root, 'scripts', 'prebuild.mjs')], root);
const out = mkdtempSync(join(tmpdir(), 'ce-pack-'));
sh('npm', ['pack', '--pack-destination', out], root);
const tgz = readdirSync(out).find((f) => f.endsWith('.tgz'));
const app = join(out, 'app');
sh('mkdir', ['-p', app], out);
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
sh('npm', ['install', '--no-audit', '--no-fund', join(out, tgz)], app);
const json = sh('npx', ['compiler-expert', 'run', 'Say hello.', '--max-tokens', '12', '--no-expert', '--json'], app, { COMPILER_EXPERT_MODELS: join(out, 'models') });
const result = JSON.parse(json.trim().split('\n').at(-1));
if (!(result.generatedTokens > 0)) throw new Error('no tokens generated');
console.log(`[pack] OK: installed ${tgz} into ${app}; generated ${result.generatedTokens} tokens: ${JSON.stringify(result.text)}`);
