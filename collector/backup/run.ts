/** Runs a backup tool and turns every way it can fail into a BackupReadResult reason. */
import { execFile } from 'node:child_process';
import type { BackupErrorReason, BackupSource, CommandRunner } from './types.ts';

/** Default runner: execFile, no shell, bounded output (a backup list is small). */
export const execRunner: CommandRunner = (file, args, options) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        timeout: options.timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        env: options.env ? { ...process.env, ...options.env } : process.env,
      },
      (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });

export type RunOutcome =
  { ok: true; stdout: string } | { ok: false; source: BackupSource; reason: BackupErrorReason; error: string };

/** Runs `bin args`; a missing binary, a non-zero exit or a timeout comes back as a reason with a readable message. */
export async function runTool(
  source: BackupSource,
  runner: CommandRunner,
  bin: string,
  args: readonly string[],
  timeoutMs: number,
  env?: Record<string, string>,
): Promise<RunOutcome> {
  try {
    const { stdout } = await runner(bin, args, { timeoutMs, env });
    return { ok: true, stdout };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & {
      stderr?: string;
      killed?: boolean;
      signal?: string;
      code?: string | number;
    };
    if (err.code === 'ENOENT')
      return { ok: false, source, reason: 'tool-missing', error: `${bin} is not installed (not found on PATH)` };
    if (err.code === 'EACCES')
      return { ok: false, source, reason: 'tool-missing', error: `${bin} cannot be executed (permission denied)` };
    if (err.killed || err.signal === 'SIGTERM')
      return {
        ok: false,
        source,
        reason: 'command-failed',
        error: `${bin} ${args[0] ?? ''} timed out after ${timeoutMs} ms`,
      };
    const detail =
      (err.stderr ?? '')
        .trim()
        .split('\n')
        .find((l) => l.trim()) ?? err.message;
    return {
      ok: false,
      source,
      reason: 'command-failed',
      error: `${bin} exited with ${String(err.code ?? err.signal ?? 'error')}: ${detail.slice(0, 300)}`,
    };
  }
}
