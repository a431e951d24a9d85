/**
 * A private PostgreSQL server for fault injection: initdb in a temp dir on a free port with the
 * Debian binaries (found like scripts/services/start.sh finds them, or RH_PG_BIN), run as the
 * `postgres` user when we are root (initdb and postgres refuse root). Tests stop and restart THIS
 * one; the shared server on 55432 is never touched.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { closedPort as freePort } from '../integration/helpers.ts';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serviceEnv } from '../integration/helpers.ts';

const exec = promisify(execFile);

export function findPgBin(): string | undefined {
  const fromEnv = serviceEnv('RH_PG_BIN');
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b));
  return versions.length ? join(root, versions.at(-1)!, 'bin') : undefined;
}

export { freePort };

export interface PgInstance {
  url: string;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** stops the server and removes its data directory */
  destroy(): Promise<void>;
}

export async function startPgInstance(bin: string): Promise<PgInstance> {
  const root = mkdtempSync(join(tmpdir(), 'rh-faults-pg-'));
  const data = join(root, 'data');
  const port = await freePort();
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const pw = await exec('id', ['-u', 'postgres']);
    const gid = await exec('id', ['-g', 'postgres']);
    chownSync(root, Number(pw.stdout.trim()), Number(gid.stdout.trim()));
    chmodSync(root, 0o700);
  }
  const run = (cmd: string, args: string[]) =>
    asRoot ? exec('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : exec(join(bin, cmd), args);
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8']);
  const opts = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`;
  const start = async () => {
    await run('pg_ctl', ['-D', data, '-l', join(root, 'log'), '-w', '-t', '60', '-o', opts, 'start']);
  };
  const stop = async (mode: 'fast' | 'immediate' = 'immediate') => {
    await run('pg_ctl', ['-D', data, '-w', '-t', '60', '-m', mode, 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop('fast').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
