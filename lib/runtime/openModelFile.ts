import { open, type FileHandle } from 'node:fs/promises';
import { ModelNotFoundError } from '../errors';

/** Opens a model file for reading; a missing or unreadable file is a ModelNotFoundError. */
export async function openModelFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    throw new ModelNotFoundError(path, (err as NodeJS.ErrnoException).code);
  }
}
