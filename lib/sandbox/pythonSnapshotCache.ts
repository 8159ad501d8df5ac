/**
 * The Python interpreter's boot snapshot on disk. Booting Pyodide and importing the harness
 * takes 4–5 s of CPU; restoring a memory snapshot of that state takes 0.3 s. The host makes
 * the snapshot once and keeps it in memory, and this file keeps it across processes, so the
 * first Python verdict of a fresh process does not wait for a boot.
 *
 * The jailed host can only read: it loads the file (checking its digest), and when it had to
 * make a snapshot it sends the bytes to the caller, which writes the file. The name carries
 * a key of everything baked into the snapshot (Pyodide's version and build, the harness, the
 * Node version), so an upgrade never loads a stale one; a damaged file fails its digest and
 * is made anew.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const MAGIC = 'compiler-expert python snapshot 1\n';
const DIGEST_CHARS = 64;

/** Where one snapshot lives: the folder (read by the host) and the file in it. */
export interface SnapshotFile {
  dir: string;
  file: string;
}

/**
 * The snapshot file for this Pyodide and harness under `dir`, the folder created if needed.
 * Undefined when the folder cannot be made (a read-only install): the host then keeps its
 * snapshot in memory only.
 */
export function snapshotFile(dir: string, pyodideDir: string, harness: string): SnapshotFile | undefined {
  const pyodide = fs.readFileSync(path.join(pyodideDir, 'package.json'), 'utf8');
  const key = createHash('sha256').update(MAGIC).update(pyodide).update(harness).update(process.versions.node).digest('hex').slice(0, 16);
  const version = (JSON.parse(pyodide) as { version?: string }).version ?? 'unknown';
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch {
    return undefined;
  }
  return { dir: fs.realpathSync(dir), file: path.join(fs.realpathSync(dir), `pyodide-${version}-${key}.snapshot`) };
}

/** The snapshot in `file` when it is there and whole, else undefined. */
export function readSnapshot(file: string): Uint8Array | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const head = MAGIC.length + DIGEST_CHARS + 1;
  if (bytes.length <= head || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const digest = bytes.toString('latin1', MAGIC.length, MAGIC.length + DIGEST_CHARS);
  const payload = bytes.subarray(head);
  if (createHash('sha256').update(payload).digest('hex') !== digest) return undefined;
  // A copy of its own: Pyodide views the snapshot as 32-bit words, so it must start aligned.
  return new Uint8Array(payload);
}

/**
 * Writes a snapshot next to its final name, then renames it: readers never see half a file.
 * Snapshots of other versions in the folder are removed (~30 MB each, never read again here).
 */
export async function writeSnapshot(file: string, snapshot: Uint8Array): Promise<void> {
  const digest = createHash('sha256').update(snapshot).digest('hex');
  const partial = `${file}.${process.pid}.partial`;
  try {
    await fs.promises.writeFile(partial, Buffer.concat([Buffer.from(MAGIC + digest + '\n', 'latin1'), snapshot]));
    await fs.promises.rename(partial, file);
  } finally {
    await fs.promises.rm(partial, { force: true });
  }
  const dir = path.dirname(file);
  for (const other of await fs.promises.readdir(dir)) {
    if (/^pyodide-.*\.snapshot$/.test(other) && other !== path.basename(file)) await fs.promises.rm(path.join(dir, other), { force: true });
  }
}
