import { decodeBody, formatFromContentType, sniffFormat } from './body.ts';
import { ExpositionOptionsError } from './errors.ts';
import { FamilyAssembler, type DuplicateSeries } from './families.ts';
import { resolveLimits, type ExpositionLimits } from './limits.ts';
import { OpenMetricsParser } from './openmetrics.ts';
import { PrometheusTextParser } from './promtext.ts';
import type { ExpositionFormat, ExpositionParser, MetricFamily } from './types.ts';

export interface ParserOptions {
  /** `'auto'` (default): from `contentType` when given, else OpenMetrics when the body ends with `# EOF`. */
  format?: ExpositionFormat | 'auto';
  /** The scrape's Content-Type header, used by `format: 'auto'`. */
  contentType?: string;
  limits?: Partial<ExpositionLimits>;
}

export interface ParseExpositionOptions extends ParserOptions {
  /**
   * A repeated series (same labels, same timestamp): `'error'` (default) throws
   * `ExpositionParseError` at the repeat; `'record'` keeps the first, drops the repeat and
   * lists it in `duplicates` (what Prometheus's scrape does, with a warning).
   */
  duplicates?: 'error' | 'record';
}

export interface ParsedExposition {
  format: ExpositionFormat;
  /** Families in order of first appearance. */
  families: MetricFamily[];
  /** Dropped repeats under `duplicates: 'record'`; always empty under `'error'`. */
  duplicates: DuplicateSeries[];
}

const PARSER_KEYS = new Set(['format', 'contentType', 'limits']);
const PARSE_KEYS = new Set([...PARSER_KEYS, 'duplicates']);

/**
 * A pull parser over a body (string or UTF-8 bytes), for callers that stream entries instead
 * of building families. Decoding, `maxBodyBytes` and format detection happen here.
 * @example
 * const p = createExpositionParser(body, { contentType: res.headers.get('content-type') ?? undefined });
 * for (let e = p.next(); e !== 'eof'; e = p.next()) if (e === 'series') use(p.metricName(), p.value());
 */
export function createExpositionParser(body: string | Uint8Array, options: ParserOptions = {}): ExpositionParser {
  checkKeys(options, PARSER_KEYS);
  const limits = resolveLimits(options.limits);
  const text = decodeBody(body, limits);
  const format = chooseFormat(options, text);
  return format === 'openmetrics' ? new OpenMetricsParser(text, limits) : new PrometheusTextParser(text, limits);
}

/**
 * Parses a whole exposition into metric families, checking the per-line rules (the parsers)
 * and the cross-line rules (`FamilyAssembler`): see their docs. Throws `ExpositionParseError`
 * on malformed input and `ExpositionOptionsError` on bad options.
 * @example
 * const { families } = parseExposition('# TYPE pg_up gauge\npg_up 1\n');
 * // families[0] → { name: 'pg_up', type: 'gauge', samples: [{ name: 'pg_up', labels: {}, value: 1 }] }
 */
export function parseExposition(body: string | Uint8Array, options: ParseExpositionOptions = {}): ParsedExposition {
  checkKeys(options, PARSE_KEYS);
  const duplicates = options.duplicates ?? 'error';
  if (duplicates !== 'error' && duplicates !== 'record') {
    throw new ExpositionOptionsError(`duplicates must be 'error' or 'record', got ${JSON.stringify(duplicates)}`);
  }
  const { duplicates: _ignored, ...parserOptions } = options;
  const parser = createExpositionParser(body, parserOptions);
  const assembler = new FamilyAssembler(parser.format, duplicates);
  for (;;) {
    const entry = parser.next();
    if (entry === 'series') assembler.sample(parser);
    else if (entry === 'eof') break;
    else if (entry !== 'comment') assembler.metadata(entry, parser);
  }
  return { format: parser.format, families: assembler.families, duplicates: assembler.duplicates };
}

function chooseFormat(options: ParserOptions, text: string): ExpositionFormat {
  const format = options.format ?? 'auto';
  if (format === 'prometheus' || format === 'openmetrics') return format;
  if (format !== 'auto')
    throw new ExpositionOptionsError(
      `format must be 'prometheus', 'openmetrics' or 'auto', got ${JSON.stringify(format)}`,
    );
  return formatFromContentType(options.contentType) ?? sniffFormat(text);
}

function checkKeys(options: object, known: Set<string>): void {
  if (typeof options !== 'object' || options === null) throw new ExpositionOptionsError('options must be an object');
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new ExpositionOptionsError(`unknown option "${key}"; known: ${[...known].join(', ')}`);
  }
}
