/**
 * `release-health scorecard --from DATE --to DATE [--format html|json|csv|md] [--database URL] [--out FILE]`
 * writes the release scorecard of a period offline (the gate serves the same page at /scorecards).
 *
 * Dates are RFC 3339 (`2026-03-01`, `2026-03-01T00:00:00Z`, with an offset); a date alone is
 * midnight UTC; the period is [from, to). The database is `--database`, else `RH_STORE_URL`,
 * else `RH_DATABASE_URL` (the store's URL forms: postgres://…, pglite://DIR). Exit codes as in
 * command.ts: 0 written, 64 usage, 1 anything else. The URL is never echoed: it may hold a password.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadScorecard } from '../dashboards/scorecard/load.ts';
import { renderScorecard, SCORECARD_FORMATS } from '../dashboards/scorecard/render.ts';
import type { ScorecardFormat } from '../dashboards/scorecard/render.ts';
import { openStore } from '../store/index.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';
import { UsageError } from '../analyzer/inputError.ts';

const USAGE = `usage: release-health scorecard --from DATE --to DATE [--format html|json|csv|md] [--database URL] [--out FILE]

Release scorecard of the releases started in [from, to): change failure rate, rollbacks, time to
verdict and to restore, deployment frequency, business impact avoided, freeze overrides — overall,
per environment, service, tenant tier, release class and month. DATE is RFC 3339 (2026-03-01 or
2026-03-01T00:00:00Z). Database: --database, else RH_STORE_URL, else RH_DATABASE_URL.`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Epoch ms of an RFC 3339 date or date-time; undefined when it is neither. */
export function parseDate(text: string): number | undefined {
  if (DATE.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    // Date.parse rolls 2026-02-30 over to March: check the day survived
    return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(text) ? ms : undefined;
  }
  if (DATE_TIME.test(text)) {
    const ms = Date.parse(text);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

interface Options {
  from: number;
  to: number;
  format: ScorecardFormat;
  database: string;
  out?: string;
}

/** The options, or a `UsageError` saying which one is wrong. */
function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string', default: 'html' },
      database: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const usage = (problem: string) => new UsageError(`scorecard: ${problem}`);
  if (!values.from || !values.to) throw usage('--from and --to are required');
  const from = parseDate(values.from);
  const to = parseDate(values.to);
  if (from === undefined) throw usage(`--from: not an RFC 3339 date: ${JSON.stringify(values.from)}`);
  if (to === undefined) throw usage(`--to: not an RFC 3339 date: ${JSON.stringify(values.to)}`);
  if (from >= to) throw usage('--from must be before --to');
  const format = values.format as ScorecardFormat;
  if (!SCORECARD_FORMATS.includes(format))
    throw usage(`--format: unknown "${values.format}"; use ${SCORECARD_FORMATS.join(', ')}`);
  const database = values.database ?? env.RH_STORE_URL ?? env.RH_DATABASE_URL;
  if (!database) throw usage('no database: pass --database URL (or set RH_STORE_URL / RH_DATABASE_URL)');
  return { from, to, format, database, out: values.out };
}

export const scorecardCommand: CommandBody = { usage: USAGE, run: scorecard };

async function scorecard(argv: string[], { out, err }: CommandIo): Promise<ExitCode> {
  const options = parseOptions(argv, process.env);
  let store;
  try {
    store = await openStore(options.database, { migrate: false });
  } catch (e) {
    err(`scorecard: cannot open the store: ${(e as Error).message}`);
    return EXIT.failure;
  }
  try {
    const card = await loadScorecard(store, { from: options.from, to: options.to });
    const text = renderScorecard(card, options.format, { generatedAt: Date.now() });
    if (options.out) {
      await writeFile(options.out, text, 'utf8');
      out(`wrote ${options.out} (${card.overall.releases} releases)`);
    } else out(text);
    for (const w of card.warnings) err(`scorecard: warning: ${w}`);
    return EXIT.ok;
  } catch (e) {
    err(`scorecard: ${(e as Error).message}`);
    return EXIT.failure;
  } finally {
    await store.close();
  }
}
