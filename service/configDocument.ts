import { open, type FileHandle } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { formatIssues } from '../analyzer/index.ts';
import { InputError } from '../analyzer/inputError.ts';

/**
 * Reading the CLI's config files (analysis specs, collect configs): JSON or YAML through the YAML
 * parser, so both get line numbers, and schema errors turned into `file:line: field: message`.
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

export interface ConfigDocument {
  /** the document as plain data */
  raw: unknown;
  /** line (1-based) of the deepest node along `path` that exists in the document */
  lineOf(path: PropertyKey[]): number | undefined;
}

/** Parses JSON/YAML text; a syntax error is an `InputError` with its line. */
export function parseConfigDocument(text: string, path: string): ConfigDocument {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new InputError(
      path,
      counter.linePos(first.pos[0]).line,
      `not valid JSON/YAML: ${first.message.split('\n')[0]}`,
    );
  }
  // a bounded alias count stops "billion laughs" documents from expanding without end; the yaml
  // library reports it (and other conversion failures) with a plain ReferenceError/Error
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new InputError(path, undefined, `cannot be read: ${(error as Error).message}`);
  }
  const lineOf = (p: PropertyKey[]): number | undefined => {
    for (let depth = p.length; depth >= 0; depth--) {
      const node = doc.getIn(p.slice(0, depth) as (string | number)[], true) as
        { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return counter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { raw, lineOf };
}

/**
 * A zod error as one `InputError`: the first issue with its line, the next few in brackets. An
 * unknown key is usually a typo of a known one, so such issues go first, pointed at the key itself.
 * Anything that is not a zod error is returned unchanged.
 */
export function zodToInputError(error: unknown, path: string, lineOf: (p: PropertyKey[]) => number | undefined): Error {
  if (error && typeof error === 'object' && 'issues' in error) {
    type Issue = { path: PropertyKey[]; message: string; code?: string; keys?: string[] };
    const zodError = error as { issues: Issue[] };
    zodError.issues.sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
    const first = zodError.issues[0];
    const firstPath =
      first.code === 'unrecognized_keys' && first.keys?.length ? [...first.path, first.keys[0]] : first.path;
    const messages = formatIssues(error as Parameters<typeof formatIssues>[0]);
    const more = messages.length > 1 ? ` (and ${messages.length - 1} more: ${messages.slice(1, 4).join('; ')})` : '';
    return new InputError(path, lineOf(firstPath), `${messages[0]}${more}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
