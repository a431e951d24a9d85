/** Small pieces every role's assembly shares. */
import { redactSecrets } from '../collector/observe/redact.ts';
import type { Logger } from '../analyzer/logger.ts';
import pino from 'pino';
import { openStore, type Store } from '../store/index.ts';
import type { ServeConfig } from './config.ts';

export const DEFAULT_STORE = 'pglite://.release-health/store';

export function serviceLogger(config: ServeConfig, role: string): pino.Logger {
  return pino({ level: config.logging.level, base: { service: 'release-health', role } });
}

/** The store URL: the config's, else the variable it names, else the embedded default. */
export function storeUrlOf(config: ServeConfig, env: Readonly<Record<string, string | undefined>>): string {
  return config.store.url ?? env[config.store.urlEnv] ?? DEFAULT_STORE;
}

/** Opens and migrates the store; closes it again if migrating fails. */
export async function openMigratedStore(url: string): Promise<Store> {
  const store = await openStore(url);
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

/** Runs parts' `close()` in order, logging (never throwing) a failed step; idempotent. */
export function closeInOrder(parts: { close(): Promise<void> }[], logger: Logger): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      for (const part of parts) {
        try {
          await part.close();
        } catch (error) {
          logger.error({ err: redactSecrets((error as Error).message) }, 'shutdown step failed');
        }
      }
    })());
}
