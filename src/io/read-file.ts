// Reading files that come from outside (runs people share, data files): regular files only, sizes checked first.
import { constants } from 'node:fs';
import { lstat, open, stat } from 'node:fs/promises';
import { UserError } from '../errors.js';

/** The largest data file latentkit reads (Node's own limit for one read), and the most a gzipped one may inflate to. */
export const MAX_DATA_BYTES = 2 ** 31 - 1;

/**
 * Reads `path` only if it is a regular file (not a FIFO, device or folder; not a link unless `followLinks`) of at most
 * `maxBytes` (or exactly `exact`) bytes.
 */
export async function readRegularFile(path: string, limit: { maxBytes?: number; exact?: number; followLinks?: boolean }): Promise<Buffer> {
  let info;
  try {
    info = limit.followLinks ? await stat(path) : await lstat(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (info.isSymbolicLink()) throw new UserError(`${path}: is a symbolic link; a run's files must be regular files inside it`);
  if (!info.isFile()) throw new UserError(`${path}: not a regular file`);
  if (limit.exact !== undefined && info.size !== limit.exact) {
    throw new UserError(`${path}: ${info.size} bytes where ${limit.exact} are expected; the file is truncated or corrupt`);
  }
  if (limit.maxBytes !== undefined && info.size > limit.maxBytes) {
    throw new UserError(`${path}: ${info.size} bytes is more than the ${limit.maxBytes} this file may hold`);
  }
  // O_NOFOLLOW: the file cannot be swapped for a link between the check and the read.
  const handle = await open(path, constants.O_RDONLY | (limit.followLinks ? 0 : constants.O_NOFOLLOW)).catch((err) => {
    throw new UserError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  });
  try {
    const data = await handle.readFile();
    if (limit.exact !== undefined && data.length !== limit.exact) throw new UserError(`${path}: changed while being read`);
    return data;
  } finally {
    await handle.close();
  }
}
