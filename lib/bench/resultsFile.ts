/**
 * results.jsonl: one {@link BenchRecord} per line, appended as each pair finishes, so
 * an interrupted run loses at most the pair in flight and a rerun skips what is done.
 */
import { promises as fs } from 'node:fs';
import type { BenchRecord } from './types';

/** Identity of a record: a rerun or another shard with the same key replaces it. */
export function recordKey(r: Pick<BenchRecord, 'taskId' | 'condition' | 'router'>): string {
  return `${r.taskId}\u0000${r.condition}\u0000${r.router}`;
}

/** Appends one record as a line. */
export async function appendRecord(path: string, record: BenchRecord): Promise<void> {
  await fs.appendFile(path, `${JSON.stringify(record)}\n`);
}

/**
 * Makes sure the next appended record starts on a line of its own: a run killed
 * mid-write leaves a partial last line, which would otherwise swallow the next record.
 */
export async function endWithNewline(path: string): Promise<void> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (text !== '' && !text.endsWith('\n')) await fs.appendFile(path, '\n');
}

/**
 * Reads and merges result files (shards, reruns) in order: a later record with the
 * same key replaces an earlier one. A missing file reads as empty. A line cut by a
 * crash mid-write (unparsable, not ending in `}`) is dropped, so its pair runs again;
 * any other bad line throws.
 */
export async function readRecords(paths: readonly string[]): Promise<BenchRecord[]> {
  const merged = new Map<string, BenchRecord>();
  for (const path of paths) {
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let record: BenchRecord;
      try {
        record = JSON.parse(line) as BenchRecord;
      } catch (e) {
        if (!line.trimEnd().endsWith('}')) return; // the pair in flight when the run died
        throw new Error(`${path}:${i + 1}: not a JSON record (${(e as Error).message})`);
      }
      merged.set(recordKey(record), record);
    });
  }
  return [...merged.values()];
}
