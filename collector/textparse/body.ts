import { isUtf8 } from 'node:buffer';
import { ExpositionOptionsError, ExpositionParseError } from './errors.ts';
import type { ExpositionLimits } from './limits.ts';
import type { ExpositionFormat } from './types.ts';

/**
 * Turns a scrape body into the text the parsers read: checks `maxBodyBytes`, decodes UTF-8
 * (invalid UTF-8 is an `ExpositionParseError` at its line) and drops a leading byte-order mark.
 */
export function decodeBody(body: string | Uint8Array, limits: ExpositionLimits): string {
  if (typeof body === 'string') {
    // UTF-8 takes at least one byte per UTF-16 unit and at most three.
    if (
      body.length > limits.maxBodyBytes ||
      (body.length * 3 > limits.maxBodyBytes && Buffer.byteLength(body, 'utf8') > limits.maxBodyBytes)
    ) {
      throw tooLarge(Buffer.byteLength(body, 'utf8'), limits);
    }
    return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  }
  if (!(body instanceof Uint8Array))
    throw new ExpositionOptionsError(`body must be a string or a Uint8Array, got ${typeof body}`);
  if (body.byteLength > limits.maxBodyBytes) throw tooLarge(body.byteLength, limits);
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (!isUtf8(bytes)) throw invalidUtf8(bytes);
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString('utf8', start);
}

function tooLarge(bytes: number, limits: ExpositionLimits): ExpositionParseError {
  return new ExpositionParseError(
    `body is ${bytes} bytes, over limits.maxBodyBytes (${limits.maxBodyBytes})`,
    1,
    1,
    'maxBodyBytes',
  );
}

/** Locates the first invalid UTF-8 sequence (only on the error path). */
function invalidUtf8(bytes: Buffer): ExpositionParseError {
  let line = 1;
  let lineStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === 10) {
      line++;
      lineStart = i + 1;
    }
    const need =
      b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    let ok = need >= 0 && i + need < bytes.length;
    for (let k = 1; ok && k <= need; k++) ok = (bytes[i + k] & 0xc0) === 0x80;
    if (ok && need === 2) {
      const cp = ((b & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6);
      ok = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff);
    }
    if (ok && need === 3) {
      const cp = ((b & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12);
      ok = cp >= 0x10000 && cp <= 0x10ffff;
    }
    if (!ok)
      return new ExpositionParseError(
        `invalid UTF-8 at byte ${i} (byte 0x${b.toString(16).padStart(2, '0')})`,
        line,
        i - lineStart + 1,
      );
    i += need + 1;
  }
  return new ExpositionParseError('invalid UTF-8', line, 1);
}

/**
 * The format named by a Content-Type header: `application/openmetrics-text` → openmetrics,
 * `text/plain` → prometheus; `undefined` when the header is empty. Any other media type
 * (protobuf, HTML…) is an `ExpositionOptionsError` — the caller asked for a text format.
 */
export function formatFromContentType(contentType: string | undefined): ExpositionFormat | undefined {
  if (contentType === undefined) return undefined;
  const media = contentType.split(';', 1)[0].trim().toLowerCase();
  if (media === '') return undefined;
  if (media === 'application/openmetrics-text') return 'openmetrics';
  if (media === 'text/plain') return 'prometheus';
  throw new ExpositionOptionsError(
    `unsupported Content-Type ${JSON.stringify(contentType)} (expected text/plain or application/openmetrics-text)`,
  );
}

/** Sniffs the format from the text: OpenMetrics when its last non-empty line is `# EOF`. */
export function sniffFormat(text: string): ExpositionFormat {
  let end = text.length;
  while (
    end > 0 &&
    (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13 || text.charCodeAt(end - 1) === 32)
  )
    end--;
  return end >= 5 && text.startsWith('# EOF', end - 5) && (end === 5 || text.charCodeAt(end - 6) === 10)
    ? 'openmetrics'
    : 'prometheus';
}
