#!/usr/bin/env node
// Shows the package works as a dependency, twice:
// 1. makes the prebuild for this platform, packs the package, installs the tarball into an
//    empty project (npm 11 blocks dependency install scripts, so only the prebuilt binary
//    can work there), and generates a few tokens with the default model fetched lazily;
// 2. the same tarball without prebuilds (a platform we ship none for) installed with its
//    install script allowed: the addon is built from source with what `dependencies` brings
//    (cmake-js, node-addon-api) plus cmake, a C++20 compiler and pip, then generates.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
function installAndGenerate(app, tarball, allowScripts) {
  sh('mkdir', ['-p', app], out);
  // npm 11 runs a dependency's install script only when the project allows it by name.
  const manifest = { name: 'consumer', version: '1.0.0', private: true, ...(allowScripts && { allowScripts: { 'compiler-expert': true } }) };
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest));
  sh('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', tarball], app);
  const json = sh('npx', ['compiler-expert', 'run', 'Say hello.', '--max-tokens', '12', '--no-expert', '--json'], app, { COMPILER_EXPERT_MODELS: join(out, 'models') });
  const result = JSON.parse(json.trim().split('\n').at(-1));
  if (!(result.generatedTokens > 0)) throw new Error('no tokens generated');
  return result;
}

const prebuilt = installAndGenerate(join(out, 'app'), join(out, tgz), false);
console.log(`[pack] OK (prebuilt): installed ${tgz}; generated ${prebuilt.generatedTokens} tokens: ${JSON.stringify(prebuilt.text)}`);

// The same package without its prebuilds: unpack, drop prebuilds/, pack again.
const src = join(out, 'source');
sh('mkdir', ['-p', src], out);
sh('tar', ['-xzf', join(out, tgz), '-C', src], out);
rmSync(join(src, 'package', 'prebuilds'), { recursive: true, force: true });
const srcOut = join(out, 'source-tgz');
sh('mkdir', ['-p', srcOut], out);
sh('npm', ['pack', '--ignore-scripts', '--pack-destination', srcOut], join(src, 'package'));
const srcTgz = readdirSync(srcOut).find((f) => f.endsWith('.tgz'));
const built = installAndGenerate(join(out, 'app-source'), join(srcOut, srcTgz), true);
console.log(`[pack] OK (built from source): generated ${built.generatedTokens} tokens: ${JSON.stringify(built.text)}`);
