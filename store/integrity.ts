/**
 * The embedded store's integrity check, run when a PGlite directory is opened.
 *
 * PostgreSQL 18 (PGlite 0.5) initialises data directories with page checksums on, so a page whose
 * bytes changed fails its checksum when read. Two kinds of damage pass that check: a page of zeros
 * (PostgreSQL takes it for a new, empty page) and a data file cut short (the rows past the end
 * simply are not there). Both read as "fewer rows", silently: a timeline shortened by hundreds of
 * verdicts, an engine checkpoint gone and its analysis restarted. So the store also keeps a ledger
 * (migration 002: verdicts per release, whether a checkpoint was saved) and, on open:
 *  1. reads every table whole with sequential scans (every heap page is read, so every checksum
 *     is verified and every truncated file ends where it ends);
 *  2. compares the ledger with the rows it could read.
 * Any difference refuses the start with one line: which directory, what is wrong, how to restore.
 */
import type { Queryable } from './sql.ts';
import { StoreError } from './types.ts';

/** The store's data failed its integrity check; the message is one line for the operator. */
export class StoreIntegrityError extends StoreError {
  override readonly name = 'StoreIntegrityError';
}

/** How to get back to a sound store; appended to every integrity error. */
export const RESTORE_HINT =
  'stop every process using it, move the directory aside (keep it for analysis) and restore the last backup copy of it, or start on an empty directory; nothing was written';

const MAX_LISTED = 3;

/**
 * The problems found (empty when the store is sound). Runs in one read-only transaction with
 * index scans off, so the counts come from the heap pages themselves.
 */
export async function findIntegrityProblems(db: {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.exec(
      'SET TRANSACTION READ ONLY; SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_bitmapscan = off',
    );
    const problems: string[] = [];
    // 1. every table read whole: checksum failures and unreadable blocks raise here
    const { rows: tables } = await tx.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname`,
    );
    for (const { name } of tables) {
      // a savepoint per table: a failed read aborts only itself, and the next tables are read too
      await tx.exec('SAVEPOINT integrity_read');
      try {
        await tx.query(`SELECT count(*) FROM "${name.replace(/"/g, '""')}"`);
        await tx.exec('RELEASE SAVEPOINT integrity_read');
      } catch (error) {
        problems.push(`table ${name} cannot be read: ${oneLine(error)}`);
        await tx.exec('ROLLBACK TO SAVEPOINT integrity_read');
      }
    }
    if (problems.length > 0) return problems;
    // 2. the ledger against the rows
    const { rows: verdicts } = await tx.query<{ release_id: string; expected: string; found: string }>(
      `SELECT coalesce(l.release_id, v.release_id) AS release_id, coalesce(l.verdicts, 0) AS expected, coalesce(v.n, 0) AS found
       FROM integrity_ledger l FULL JOIN (SELECT release_id, count(*) AS n FROM verdicts GROUP BY release_id) v ON v.release_id = l.release_id
       WHERE coalesce(l.verdicts, 0) <> coalesce(v.n, 0)
       ORDER BY 1`,
    );
    if (verdicts.length > 0) {
      const lost = verdicts.reduce((sum, r) => sum + Math.max(0, Number(r.expected) - Number(r.found)), 0);
      problems.push(
        `verdict history does not match its ledger for ${verdicts.length} release(s) (${lost} verdict(s) missing): ` +
          verdicts
            .slice(0, MAX_LISTED)
            .map((r) => `${r.release_id} ${r.expected} recorded, ${r.found} readable`)
            .join('; ') +
          (verdicts.length > MAX_LISTED ? '; …' : ''),
      );
    }
    const { rows: checkpoints } = await tx.query<{ release_id: string }>(
      `SELECT l.release_id FROM integrity_ledger l
       WHERE l.checkpoint AND NOT EXISTS (SELECT 1 FROM engine_checkpoints c WHERE c.release_id = l.release_id)
       ORDER BY 1`,
    );
    if (checkpoints.length > 0) {
      problems.push(
        `${checkpoints.length} engine checkpoint(s) saved and now missing: ${checkpoints
          .slice(0, MAX_LISTED)
          .map((r) => r.release_id)
          .join(', ')}${checkpoints.length > MAX_LISTED ? ', …' : ''}`,
      );
    }
    const { rows: orphans } = await tx.query<{ release_id: string }>(
      `SELECT l.release_id FROM integrity_ledger l
       WHERE l.verdicts > 0 AND NOT EXISTS (SELECT 1 FROM releases r WHERE r.id = l.release_id)
       ORDER BY 1`,
    );
    if (orphans.length > 0) {
      problems.push(
        `${orphans.length} release(s) with verdicts and no release record: ${orphans
          .slice(0, MAX_LISTED)
          .map((r) => r.release_id)
          .join(', ')}${orphans.length > MAX_LISTED ? ', …' : ''}`,
      );
    }
    return problems;
  });
}

/** Throws `StoreIntegrityError` naming `where` when `findIntegrityProblems` finds anything. */
export async function verifyIntegrity(db: Parameters<typeof findIntegrityProblems>[0], where: string): Promise<void> {
  let problems: string[];
  try {
    problems = await findIntegrityProblems(db);
  } catch (error) {
    problems = [`the integrity check itself failed: ${oneLine(error)}`];
  }
  if (problems.length > 0)
    throw new StoreIntegrityError(`${where} failed its integrity check: ${problems.join(' | ')} — ${RESTORE_HINT}`);
}

/** An error as one short line (PGlite's WebAssembly errors can carry kilobytes of context). */
export function oneLine(error: unknown): string {
  const text =
    error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}
