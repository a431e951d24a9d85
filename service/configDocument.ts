import { open, type FileHandle } from 'node:fs/promises';
import { ConfigError, firstIssuePath, type FieldPath } from '../analyzer/configError.ts';
import type { ConfigText } from '../analyzer/configText.ts';
import { formatIssues } from '../analyzer/index.ts';
import { InputError } from '../analyzer/inputError.ts';

/**
 * Reading the CLI's config files (analysis specs, serve and collect configs): bounded reads, and
 * schema errors turned into `ConfigError`s at `file:line:column: field: message` (the text itself
 * is parsed by analyzer/configText.ts, the one reader every config loader shares).
 */

/**
 * Reads a config file whole, refusing one larger than `maxBytes` while reading: at most
 * `maxBytes + 1` bytes are ever read, so a device or a huge file (`--spec /dev/urandom` read
 * 1.26 GB before a check after the read) costs nothing. `what` names it in errors.
 */
export async function readConfigFile(path: string, what: string, maxBytes: number): Promise<string> {
  let file: FileHandle | undefined;
  try {
    file = await open(path, 'r');
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, 1 << 16));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new InputError(path, undefined, `${what} is larger than ${maxBytes} bytes`);
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      path,
      undefined,
      `cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  } finally {
    await file?.close().catch(() => undefined);
  }
}

/**
 * A zod error as one located `ConfigError`: the first issue (an unknown key first, pointed at the
 * key itself) with its position, the next few in brackets; `prefix` is where the validated value
 * sits in the document. Anything that is not a zod error is returned unchanged.
 */
export function zodToConfigError(error: unknown, doc: Pick<ConfigText, 'locate'>, prefix: FieldPath = []): Error {
  if (error && typeof error === 'object' && 'issues' in error) {
    const zodError = error as Parameters<typeof formatIssues>[0];
    const path = firstIssuePath(zodError) ?? [];
    const messages = formatIssues(zodError);
    // the message of the issue pointed at comes first
    const firstIndex = Math.max(
      0,
      zodError.issues.findIndex((i) => i.code === 'unrecognized_keys'),
    );
    const ordered = [messages[firstIndex], ...messages.filter((_, i) => i !== firstIndex)];
    const more = ordered.length > 1 ? ` (and ${ordered.length - 1} more: ${ordered.slice(1, 4).join('; ')})` : '';
    return doc.locate(new ConfigError(`${ordered[0]}${more}`, ordered, [...prefix, ...path]));
  }
  return error instanceof Error ? error : new Error(String(error));
}
