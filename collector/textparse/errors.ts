import type { ExpositionLimits } from './limits.ts';

/**
 * Malformed exposition input: the only error `next()` and `parseExposition` throw for bad
 * input. `line` and `column` are 1-based; the column counts UTF-16 code units of the decoded
 * text (bytes for invalid UTF-8). `limit` names the limit a body broke, when that is the cause.
 */
export class ExpositionParseError extends Error {
  override readonly name = 'ExpositionParseError';
  constructor(
    readonly detail: string,
    readonly line: number,
    readonly column: number,
    readonly limit?: keyof ExpositionLimits,
    readonly excerpt?: string,
  ) {
    super(`line ${line}, column ${column}: ${detail}${excerpt === undefined ? '' : ` in ${JSON.stringify(excerpt)}`}`);
  }
}

/** Bad options: an unknown format or limit name, a limit that is not a positive number, an unsupported Content-Type. */
export class ExpositionOptionsError extends Error {
  override readonly name = 'ExpositionOptionsError';
}

/** An accessor called after a different kind of entry: a bug in the caller, not bad input. */
export class ParserStateError extends Error {
  override readonly name = 'ParserStateError';
}

/**
 * A histogram family whose buckets cannot form a distribution (missing `+Inf` bucket,
 * cumulative counts decreasing in `le`, a repeated or unparsable `le`).
 */
export class HistogramShapeError extends Error {
  override readonly name = 'HistogramShapeError';
  constructor(
    readonly family: string,
    readonly series: string,
    readonly detail: string,
  ) {
    super(`histogram ${family}, series ${series}: ${detail}`);
  }
}
