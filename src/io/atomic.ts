// Atomic writes: a file or a directory appears whole under its final name, or not at all.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

function tempSibling(path: string, tag: string): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/** Writes `data` to a temporary file beside `path`, then renames it over `path`. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path, 'tmp');
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Fills a fresh temporary directory with `fill`, then puts it in place of `dir`. An existing `dir` is moved aside
 * first and deleted only after the new one is in place, so a failure at any step leaves the old one intact.
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const tmp = tempSibling(dir, 'tmp');
  const old = tempSibling(dir, 'old');
  await mkdir(tmp);
  try {
    await fill(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  let movedAside = false;
  try {
    await rename(dir, old);
    movedAside = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    await rename(tmp, dir);
  } catch (err) {
    if (movedAside) await rename(old, dir);
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  if (movedAside) await rm(old, { recursive: true, force: true });
}
