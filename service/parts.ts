/** Small pieces every role's assembly shares. */
import { redactSecrets } from '../collector/observe/redact.ts';
import type { Logger } from '../analyzer/logger.ts';
import { openStore, type Store } from '../store/index.ts';

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
