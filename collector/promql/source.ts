/**
 * A PromQL source: per-cohort queries against the Prometheus HTTP API (through
 * `prometheus-query`'s `PrometheusDriver`) turned into baseline/canary `Sample`s.
 */
import { PrometheusDriver, type QueryResult } from 'prometheus-query';
import type { Cohort, MetricSpec, Release, Sample } from '../../analyzer/types.ts';
import { expandForCohorts, PromqlTemplateError, type CohortValues } from './template.ts';

export interface PromqlSourceOptions {
  /** Prometheus base URL, e.g. `http://127.0.0.1:9090` (the API lives under `/api/v1/`) */
  url: string;
  /** client-side timeout of one HTTP request, ms; also sent as the server's evaluation `timeout` */
  timeoutMs: number;
  /** extra request headers (e.g. `Authorization`, `X-Scope-OrgID`) */
  headers?: Record<string, string>;
  /** range-query resolution (`step`), ms */
  stepMs: number;
}

/**
 * Why a query failed:
 *  - `template`: the query template could not be expanded (see `template.ts`); nothing was sent;
 *  - `bad-query`: Prometheus refused the query (HTTP 400 `bad_data`: PromQL syntax/parse error);
 *  - `execution`: Prometheus failed evaluating it (HTTP 422 `execution`, 503 `timeout`/`canceled`, …);
 *  - `http`: another non-2xx answer (a proxy's 502, 401 from an auth gateway…);
 *  - `timeout`: no answer within `timeoutMs`;
 *  - `unreachable`: connection refused, DNS failure, reset — Prometheus down;
 *  - `bad-response`: a 2xx answer that is not a Prometheus API answer.
 */
export type PromqlErrorKind =
  'template' | 'bad-query' | 'execution' | 'http' | 'timeout' | 'unreachable' | 'bad-response';

/** A failed PromQL query. Never swallowed into an empty result. */
export class PromqlError extends Error {
  constructor(
    readonly kind: PromqlErrorKind,
    /** the expanded query (the template for `template` errors) */
    readonly query: string,
    /** the failure as Prometheus or the network described it */
    readonly detail: string,
    readonly extra: { cohort?: Cohort; metric?: string; status?: number; errorType?: string; cause?: unknown } = {},
  ) {
    super(
      `PromQL ${kind} error${extra.metric ? ` for metric ${extra.metric}` : ''}${extra.cohort ? ` (${extra.cohort})` : ''}: ${detail} — query: ${query}`,
      { cause: extra.cause },
    );
    this.name = 'PromqlError';
  }

  /** true when trying again later may help (timeouts, Prometheus down or overloaded, 5xx) */
  get transient(): boolean {
    return (
      this.kind === 'timeout' ||
      this.kind === 'unreachable' ||
      (this.extra.status !== undefined && this.extra.status >= 500)
    );
  }
}

/** What one cohort's query gave. */
export interface CohortQueryInfo {
  cohort: Cohort;
  query: string;
  series: number;
  points: number;
  /** the query matched nothing: the cohort contributes no samples (never fabricated zeros) */
  empty: boolean;
}

export interface PromqlResult {
  samples: Sample[];
  cohorts: CohortQueryInfo[];
}

export interface PromqlStats {
  queries: number;
  /** queries that succeeded but matched no series, per cohort */
  empty: Record<Cohort, number>;
  errors: Partial<Record<PromqlErrorKind, number>>;
}

export interface TimeRange {
  /** epoch ms or Date */
  start: number | Date;
  end: number | Date;
}

export interface PromqlSource {
  readonly options: Readonly<PromqlSourceOptions>;
  /** one `Sample` per returned point per series per cohort; `[]` for a cohort whose query matched nothing */
  queryRange(
    spec: Pick<MetricSpec, 'name' | 'query'>,
    release: Pick<Release, 'service' | 'version' | 'baselineVersion'>,
    cohortValues: CohortValues,
    range: TimeRange,
  ): Promise<Sample[]>;
  /** one `Sample` per returned series per cohort, at `time` (default now) */
  queryInstant(
    spec: Pick<MetricSpec, 'name' | 'query'>,
    release: Pick<Release, 'service' | 'version' | 'baselineVersion'>,
    cohortValues: CohortValues,
    time?: number | Date,
  ): Promise<Sample[]>;
  /** as `queryRange`, plus per-cohort detail (expanded query, series and point counts, `empty`) */
  queryRangeResult(
    spec: Pick<MetricSpec, 'name' | 'query'>,
    release: Pick<Release, 'service' | 'version' | 'baselineVersion'>,
    cohortValues: CohortValues,
    range: TimeRange,
  ): Promise<PromqlResult>;
  queryInstantResult(
    spec: Pick<MetricSpec, 'name' | 'query'>,
    release: Pick<Release, 'service' | 'version' | 'baselineVersion'>,
    cohortValues: CohortValues,
    time?: number | Date,
  ): Promise<PromqlResult>;
  /** counters since creation (queries, empty results per cohort, errors per kind) */
  stats(): PromqlStats;
}

/** Thrown from the response interceptor; recognised in `toPromqlError` through the library's `original`. */
class ResponseProblem extends Error {}

/** `"+Inf"`, `"-Inf"`, `"NaN"` and Go float formats → JavaScript numbers; anything else is a bad response. */
export function parsePromValue(s: unknown): number {
  if (typeof s !== 'string') throw new ResponseProblem(`sample value ${JSON.stringify(s)} is not a string`);
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  const n = Number(s);
  if (s.trim() === '' || Number.isNaN(n))
    throw new ResponseProblem(`sample value ${JSON.stringify(s)} is not a number`);
  return n;
}

/**
 * The library makes `new Date(seconds * 1000)`, which truncates, and `parseFloat(value)`, which
 * reads `"+Inf"` as NaN. Prometheus timestamps are whole milliseconds: rewrite each `[ts, "v"]`
 * to a timestamp whose ×1000 lands half a millisecond above the intended one (truncation then
 * gives exactly it) and a value string `parseFloat` reads right (`"Infinity"`, `"-Infinity"`).
 */
function normaliseResponse(body: unknown): void {
  if (typeof body !== 'object' || body === null)
    throw new ResponseProblem(`answer is not JSON: ${String(body).slice(0, 200)}`);
  const b = body as { status?: unknown; data?: { resultType?: unknown; result?: unknown } };
  if (b.status !== 'success') throw new ResponseProblem(`status ${JSON.stringify(b.status)} in a 2xx answer`);
  const data = b.data;
  if (!data || typeof data !== 'object') throw new ResponseProblem('no data in the answer');
  const fix = (pair: unknown): [number, string] => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number')
      throw new ResponseProblem(`bad sample ${JSON.stringify(pair)}`);
    const ms = Math.round(pair[0] * 1000);
    const v = parsePromValue(pair[1]);
    return [(ms + 0.5) / 1000, Number.isNaN(v) ? 'NaN' : String(v)];
  };
  const result = data.result;
  switch (data.resultType) {
    case 'matrix':
    case 'vector':
      if (!Array.isArray(result)) throw new ResponseProblem(`${data.resultType} result is not a list`);
      for (const series of result as { metric?: unknown; values?: unknown; value?: unknown }[]) {
        if (typeof series !== 'object' || series === null) throw new ResponseProblem('bad series');
        if (data.resultType === 'matrix') {
          if (!Array.isArray(series.values)) throw new ResponseProblem('matrix series without values');
          series.values = series.values.map(fix);
        } else series.value = fix(series.value);
      }
      return;
    case 'scalar':
      data.result = fix(result);
      return;
    default:
      throw new ResponseProblem(`unexpected resultType ${JSON.stringify(data.resultType)}`);
  }
}

interface LibraryError {
  status?: string;
  errorType?: string;
  error?: string;
  code?: string;
  httpStatus?: number;
  prometheus?: { errorType?: string; error?: string };
  original?: unknown;
  data?: unknown;
}

function toPromqlError(err: unknown, query: string, cohort: Cohort, metric: string, timeoutMs: number): PromqlError {
  if (err instanceof PromqlError) return err;
  const extra = { cohort, metric, cause: err };
  if (err instanceof ResponseProblem) return new PromqlError('bad-response', query, err.message, extra);
  if (typeof err !== 'object' || err === null) return new PromqlError('bad-response', query, String(err), extra);
  const e = err as LibraryError;
  if (e.original instanceof ResponseProblem) {
    const status = (e.original as ResponseProblem & { httpStatus?: number }).httpStatus;
    return new PromqlError(status !== undefined ? 'http' : 'bad-response', query, e.original.message, {
      ...extra,
      status,
    });
  }
  if (err instanceof Error && e.status === undefined) return new PromqlError('bad-response', query, err.message, extra);
  switch (e.errorType) {
    case 'timeout_error':
      return new PromqlError('timeout', query, `no answer within ${timeoutMs} ms (${e.error ?? 'timeout'})`, extra);
    case 'network_error':
    case 'ssl_error':
      if (e.code === 'ETIMEDOUT' || e.code === 'ECONNABORTED')
        return new PromqlError('timeout', query, `no answer within ${timeoutMs} ms (${e.error ?? e.code})`, extra);
      return new PromqlError('unreachable', query, `${e.code ?? e.errorType}: ${e.error ?? 'network error'}`, extra);
    case 'http_error': {
      const status = e.httpStatus;
      const promType = e.prometheus?.errorType;
      const detail = `HTTP ${status}${promType ? ` ${promType}` : ''}: ${e.error ?? ''}`;
      const kind: PromqlErrorKind = promType === 'bad_data' ? 'bad-query' : promType ? 'execution' : 'http';
      return new PromqlError(kind, query, detail, { ...extra, status, errorType: promType });
    }
    default:
      return new PromqlError(
        'bad-response',
        query,
        `${e.errorType ?? 'error'}: ${e.error ?? JSON.stringify(e.data ?? err).slice(0, 200)}`,
        extra,
      );
  }
}

function toSamples(result: QueryResult, metric: string, cohort: Cohort): { samples: Sample[]; series: number } {
  const samples: Sample[] = [];
  const push = (labels: Record<string, string> | undefined, time: Date, value: number) => {
    const s: Sample = { ts: time.getTime(), metric, cohort, value };
    if (labels && Object.keys(labels).length > 0) s.labels = { ...labels };
    samples.push(s);
  };
  const labelsOf = (m: { name?: string; labels?: object } | null): Record<string, string> | undefined => {
    if (!m) return undefined;
    const labels = { ...(m.labels ?? {}) } as Record<string, string>;
    if (m.name) labels.__name__ = m.name;
    return labels;
  };
  switch (result.resultType) {
    case 'matrix':
      for (const series of result.result as {
        metric: { name?: string; labels?: object } | null;
        values: { time: Date; value: number }[];
      }[]) {
        const labels = labelsOf(series.metric);
        for (const p of series.values) push(labels, p.time, p.value);
      }
      return { samples, series: result.result.length };
    case 'vector':
      for (const series of result.result as {
        metric: { name?: string; labels?: object } | null;
        value: { time: Date; value: number };
      }[]) {
        push(labelsOf(series.metric), series.value.time, series.value.value);
      }
      return { samples, series: result.result.length };
    case 'scalar': {
      const [ts, v] = result.result as unknown as [number, string];
      push(undefined, new Date(ts * 1000), parseFloat(v));
      return { samples, series: 1 };
    }
    default:
      throw new ResponseProblem(`unexpected resultType ${JSON.stringify(result.resultType)}`);
  }
}

function toMs(t: number | Date): number {
  return typeof t === 'number' ? t : t.getTime();
}

/**
 * Creates a PromQL source. Each metric's `query` is a template (placeholders `$cohort`, `$version`,
 * `$service`; see `template.ts`) expanded once per cohort of `cohortValues` and sent as its own
 * query; the samples of each answer carry that cohort. Empty answers give no samples (the
 * analyzer then sees `nodata`, not zeros) and are reported in `PromqlResult.cohorts[].empty` and
 * counted in `stats().empty`. Every failure throws a `PromqlError`.
 */
export function createPromqlSource(options: PromqlSourceOptions): PromqlSource {
  if (!(options.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${options.timeoutMs}`);
  if (!(options.stepMs > 0)) throw new RangeError(`stepMs must be > 0, got ${options.stepMs}`);
  const opts: Readonly<PromqlSourceOptions> = Object.freeze({
    ...options,
    headers: options.headers ? { ...options.headers } : undefined,
  });
  const driver = new PrometheusDriver({
    endpoint: opts.url,
    baseURL: '/api/v1/',
    headers: opts.headers,
    timeout: opts.timeoutMs,
    responseInterceptor: {
      onFulfilled: (res) => {
        normaliseResponse(res.data);
        return res;
      },
      onRejected: (err: { response?: { status?: number; data?: unknown } }) => {
        // a non-2xx answer that is not a Prometheus error body (e.g. a proxy's HTML 502): keep the status
        const r = err?.response;
        if (r && (typeof r.data !== 'object' || r.data === null || (r.data as { status?: unknown }).status == null)) {
          const p = new ResponseProblem(
            `HTTP ${r.status}: ${String(typeof r.data === 'string' ? r.data : JSON.stringify(r.data)).slice(0, 200)}`,
          );
          (p as ResponseProblem & { httpStatus?: number }).httpStatus = r.status;
          return Promise.reject(p);
        }
        return Promise.reject(err);
      },
    },
  });
  const evalTimeout = `${Math.max(1, Math.ceil(opts.timeoutMs / 1000))}s`;
  const stats: PromqlStats = { queries: 0, empty: { baseline: 0, canary: 0 }, errors: {} };

  async function run(
    spec: Pick<MetricSpec, 'name' | 'query'>,
    release: Pick<Release, 'service' | 'version' | 'baselineVersion'>,
    cohortValues: CohortValues,
    call: (query: string) => Promise<QueryResult>,
  ): Promise<PromqlResult> {
    let expanded: { cohort: Cohort; query: string }[];
    try {
      if (spec.query === undefined || spec.query.trim() === '')
        throw new PromqlTemplateError('', `metric ${spec.name} has no query`);
      expanded = expandForCohorts(spec.query, release, cohortValues);
    } catch (error) {
      stats.errors.template = (stats.errors.template ?? 0) + 1;
      if (error instanceof PromqlTemplateError)
        throw new PromqlError('template', error.template, error.problem, { metric: spec.name, cause: error });
      throw error;
    }
    const answers = await Promise.all(
      expanded.map(async ({ cohort, query }) => {
        stats.queries++;
        try {
          const { samples, series } = toSamples(await call(query), spec.name, cohort);
          const info: CohortQueryInfo = { cohort, query, series, points: samples.length, empty: samples.length === 0 };
          if (info.empty) stats.empty[cohort]++;
          return { samples, info };
        } catch (error) {
          const e = toPromqlError(error, query, cohort, spec.name, opts.timeoutMs);
          stats.errors[e.kind] = (stats.errors[e.kind] ?? 0) + 1;
          throw e;
        }
      }),
    );
    return { samples: answers.flatMap((a) => a.samples), cohorts: answers.map((a) => a.info) };
  }

  const source: PromqlSource = {
    options: opts,
    queryRangeResult(spec, release, cohortValues, range) {
      const start = toMs(range.start);
      const end = toMs(range.end);
      if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) {
        return Promise.reject(
          new PromqlError('template', spec.query ?? '', `bad range: start ${start}, end ${end}`, { metric: spec.name }),
        );
      }
      // Dates, not numbers: the library treats a falsy time (epoch 0) as "not given"
      return run(spec, release, cohortValues, (q) =>
        driver.rangeQuery(q, new Date(start), new Date(end), opts.stepMs / 1000, evalTimeout),
      );
    },
    queryInstantResult(spec, release, cohortValues, time) {
      const at = time === undefined ? Date.now() : toMs(time);
      return run(spec, release, cohortValues, (q) => driver.instantQuery(q, new Date(at), evalTimeout));
    },
    async queryRange(spec, release, cohortValues, range) {
      return (await source.queryRangeResult(spec, release, cohortValues, range)).samples;
    },
    async queryInstant(spec, release, cohortValues, time) {
      return (await source.queryInstantResult(spec, release, cohortValues, time)).samples;
    },
    stats: () => ({ queries: stats.queries, empty: { ...stats.empty }, errors: { ...stats.errors } }),
  };
  return source;
}
