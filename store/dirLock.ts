/**
 * One process at a time per PGlite directory. PGlite itself lets two instances open the same
 * directory and then silently loses one side's writes (checked with PGlite 0.5), so the store
 * takes a lock file holding the owner's pid, as PostgreSQL's `postmaster.pid` does.
 *
 * A lock whose pid is no longer running (a crash, `kill -9`) is stale and taken over. A lock with
 * our own pid that this process does not hold is stale too: a restarted container often gets the
 * same pid as its previous life.
 */
import { mkdir, open, readFile, realpath, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from './types.ts';

const LOCK_FILE = '.release-health.lock';
/** directories locked by this process (real paths) */
const held = new Set<string>();

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, so it is running.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const file = await open(path, 'wx');
    await file.writeFile(`${process.pid}\n`);
    await file.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StoreError(`cannot create lock file ${path}: ${(err as Error).message}`);
  }
}

/** Locks `dir` (created if missing) for this process; resolves to the function that unlocks it. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const real = await realpath(dir);
  if (held.has(real)) throw new StoreError(`PGlite directory ${dir} is already open in this process`);
  const path = join(real, LOCK_FILE);
  for (let attempt = 0; !(await tryCreate(path)); attempt++) {
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    const stale = !Number.isInteger(pid) || pid === process.pid || !running(pid);
    if (!stale) throw new StoreError(`PGlite directory ${dir} is in use by process ${pid} (lock file ${path})`);
    if (attempt >= 3) throw new StoreError(`cannot take over the stale lock file ${path}`);
    // Re-read just before removing, so a lock another process took over meanwhile is not removed.
    // (Two processes taking over the same stale lock within microseconds can still both win: a
    // window PostgreSQL's own postmaster.pid handling also accepts.)
    const again = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (again === pid || Number.isNaN(again)) await unlink(path).catch(() => undefined);
  }
  held.add(real);
  return async () => {
    held.delete(real);
    await unlink(path).catch(() => undefined);
  };
}
