/**
 * The command boundary. Each command's module is imported when that command runs, never up front:
 * `analyze` should not pay for PGlite, kafkajs, OpenTelemetry, pg and the Grafana SDK (seconds and
 * ~100 MiB before the first sample is read) because `serve` and `dashboards` need them.
 */
import { readFileSync } from 'node:fs';
import { StoreError } from '../store/types.ts';
import { InputError, UsageError } from './inputError.ts';
import { forTerminal } from './terminalText.ts';

const usage = (
  analyzeUsage: string,
) => `release-health — judges releases of retail ERP / SaaS platforms from their metrics

usage: release-health <command> [options]

commands:
  analyze     replay recorded samples and print the verdict, minute by minute
  analyze-worker  one analyzer instance on Kafka (a consumer group shares the releases; --kafka BROKERS)
  collect     run the collector alone: scrape targets, publish samples, serve /metrics (--once: print NDJSON)
  dashboards  write Grafana dashboards and provisioning files from a config (--config FILE --out DIR)
  demo        the whole flow live in one process on a virtual clock (what \`npm start\` runs; --replay: the shipped examples)
  odoo-exporter  serve Odoo business signals (orders, payments, reservations, queue jobs) as Prometheus metrics (--config FILE)
  rules       write Prometheus alerting rules from a config (--config FILE --out DIR)
  serve       run the live service: collector, analyzer pipeline, gate HTTP API (--config FILE)
  scorecard   release scorecards for leadership over a period (--from --to [--format html|json|csv|md])
  help        show this help (also: --help, -h); "release-health <command> --help" for one command
  version     print the version

${analyzeUsage}`;

/** Commands that write chunks (with their own newlines) through the line-based io of `main`. */
function asStream(line: (text: string) => void): { write(chunk: string): boolean } {
  return {
    write(chunk: string) {
      line(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk);
      return true;
    },
  };
}

/** Entry point; returns the exit code. Output goes to stdout/stderr; nothing else touches the process. */
export async function main(
  argv: string[],
  io = { out: (t: string) => console.log(t), err: (t: string) => console.error(t) },
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(usage((await import('./analyze.ts')).ANALYZE_USAGE));
        return command === undefined ? 1 : 0;
      case 'version':
      case '--version': {
        const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
          version: string;
        };
        io.out(pkg.version);
        return 0;
      }
      case 'analyze':
        return await (await import('./analyze.ts')).analyzeCommand(rest, io.out, io.err);
      case 'analyze-worker':
        return await (await import('./analyzeWorker.ts')).analyzeWorkerCommand(rest, io.out, io.err);
      case 'collect':
        return await (await import('./collect.ts')).collectCommand(rest, io.out, io.err);
      case 'demo':
        return await (await import('./demo.ts')).demoCommand(rest, io.out, io.err);
      case 'serve':
        return await (await import('./serve.ts')).serveCommand(rest, io.out, io.err);
      case 'dashboards':
        return await (
          await import('../dashboards/index.ts')
        ).dashboardsCommand(rest, asStream(io.out), asStream(io.err));
      case 'scorecard':
        return await (
          await import('../dashboards/index.ts')
        ).scorecardCommand(rest, asStream(io.out), asStream(io.err));
      case 'odoo-exporter':
        return await (
          await import('../odoo-exporter/index.ts')
        ).odooExporterCommand(rest, asStream(io.out), asStream(io.err));
      case 'rules':
        return await (await import('../gate/alerts/cli.ts')).rulesCommand(rest, asStream(io.out), asStream(io.err));
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    // one line, escaped for the terminal (messages quote input files), never a stack trace:
    // operators read these, and a stack of minified WebAssembly glue helps none of them
    const say = (text: string) => io.err(forTerminal(text));
    if (error instanceof InputError) {
      say(`error: ${error.message}`);
      return 1;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      say(`error: ${(error as Error).message}\n(run "release-health --help" for usage)`);
      return 1;
    }
    if (error instanceof Error && error.name === 'UnknownReleaseClassError') {
      say(`error: ${error.message}`);
      return 1;
    }
    // the store's own errors (a directory locked by another serve, a failed integrity check) are
    // written for the operator: the line alone
    if (error instanceof StoreError) {
      say(`error: store: ${error.message}`);
      return 1;
    }
    if (process.env.RH_DEBUG) throw error;
    say(
      `error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} (an internal error: run with RH_DEBUG=1 for the stack trace)`,
    );
    return 70; // EX_SOFTWARE
  }
}
