// Atomic writes: a file or a directory appears whole under its final name, or not at all; crashes in between recover.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Siblings of a directory `x` while it is replaced: `.x.tmp-*` (being filled, incomplete), `.x.ready-*` (complete, not
 * yet in place) and `.x.old-*` (the previous version, moved aside). A crash between the two renames leaves no `x` but a
 * ready and an old sibling; readers look there and the next writer puts the newest complete one back.
 */
type SiblingTag = 'tmp' | 'ready' | 'old';

function tempSibling(path: string, tag: SiblingTag): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
}

function siblings(path: string, tag: SiblingTag): string[] {
  const prefix = `.${basename(path)}.${tag}-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return [];
  }
  const found = names.filter((n) => n.startsWith(prefix)).map((n) => join(dirname(path), n));
  return found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs); // newest first
}

function refuseDirectory(path: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new UserError(`${path}: is a folder; give a file name to write`);
}

/** Writes `data` to a temporary file beside `path`, then renames it over `path`. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  refuseDirectory(path);
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

/** Writes a file through `fill` (appending, or at positions) into a temporary sibling, then renames it over `path`. */
export async function withFileAtomic(path: string, fill: (handle: FileHandle) => Promise<void>): Promise<void> {
  refuseDirectory(path);
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path, 'tmp');
  const handle = await open(tmp, 'w');
  try {
    await fill(handle);
    await handle.close();
    await rename(tmp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Where a reader finds the directory `dir`: itself, or, after a crash in the middle of a replacement, its complete new
 * version (a ready sibling) or else its old one.
 */
export function readableDir(dir: string): string {
  if (existsSync(dir)) return dir;
  return siblings(dir, 'ready')[0] ?? siblings(dir, 'old')[0] ?? dir;
}

/** Puts back a directory lost between the two renames of a replacement and removes the leftovers of earlier writes. */
export async function recoverDir(dir: string): Promise<void> {
  if (!existsSync(dir)) {
    const survivor = siblings(dir, 'ready')[0] ?? siblings(dir, 'old')[0];
    if (survivor) await rename(survivor, dir);
  }
  for (const tag of ['tmp', 'ready', 'old'] as const) {
    for (const path of siblings(dir, tag)) await rm(path, { recursive: true, force: true });
  }
}

/**
 * Fills a fresh temporary directory with `fill`, then puts it in place of `dir`. An existing `dir` is moved aside
 * first and deleted only after the new one is in place; at every instant a reader finds the old or the new version
 * (see readableDir). Callers that may race another process hold `lockDir(dir)`.
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  await recoverDir(dir);
  if (existsSync(dir) && !(await stat(dir)).isDirectory()) throw new UserError(`${dir}: is a file, not a folder; latentkit will not replace it`);
  const tmp = tempSibling(dir, 'tmp');
  await mkdir(tmp);
  try {
    await fill(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const ready = tempSibling(dir, 'ready');
  await rename(tmp, ready);
  const old = tempSibling(dir, 'old');
  let movedAside = false;
  try {
    await rename(dir, old);
    movedAside = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      await rm(ready, { recursive: true, force: true });
      throw err;
    }
  }
  try {
    await rename(ready, dir);
  } catch (err) {
    if (movedAside) await rename(old, dir);
    await rm(ready, { recursive: true, force: true });
    throw err;
  }
  if (movedAside) await rm(old, { recursive: true, force: true });
}

const heldLocks = new Set<string>();
process.on('exit', () => {
  for (const lock of heldLocks) {
    try {
      unlinkSync(lock);
    } catch {
      // already gone
    }
  }
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock file `.name.lock` beside `dir` for this process (again without effect when it already holds it), so
 * that a second writer fails at once with a clear message. A lock left by a dead process is taken over.
 * Returns a function that releases it; the lock is also removed when the process exits.
 */
export function lockDir(dir: string): () => void {
  const lock = join(dirname(dir), `.${basename(dir)}.lock`);
  if (heldLocks.has(lock)) return () => undefined;
  mkdirSync(dirname(dir), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldLocks.add(lock);
      return () => {
        heldLocks.delete(lock);
        try {
          unlinkSync(lock);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let pid = NaN;
      try {
        pid = Number(readFileSync(lock, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new UserError(`${dir}: another latentkit process (pid ${pid}) is writing this run; wait for it or choose another --out`);
      }
      try {
        unlinkSync(lock); // stale: its process is gone
      } catch {
        // another process took it over first
      }
    }
  }
  throw new UserError(`${dir}: could not take the lock ${lock}; another process keeps changing it`);
}
