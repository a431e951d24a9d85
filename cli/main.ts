/**
 * The command boundary: the one table of subcommands (`COMMANDS`) and the one place where errors
 * become exit codes (`EXIT` in command.ts). Each command's module is imported when that command
 * runs, never up front: `analyze` should not pay for PGlite, kafkajs, OpenTelemetry, pg and the
 * Grafana SDK (seconds and ~100 MiB before the first sample is read) because `serve` and
 * `dashboards` need them.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../analyzer/configError.ts';
import { StoreError } from '../store/types.ts';
import { EXIT, EXIT_CODE_HELP, type CommandEntry, type CommandIo } from './command.ts';
import { InputError, UsageError } from '../analyzer/inputError.ts';
import { forTerminal } from './terminalText.ts';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'analyze',
    summary: 'replay recorded samples and print the verdict, minute by minute',
    load: async () => (await import('./analyze.ts')).analyzeCommand,
  },
  {
    name: 'analyze-worker',
    summary: 'one analyzer instance on Kafka (a consumer group shares the releases; --kafka BROKERS)',
    load: async () => (await import('./analyzeWorker.ts')).analyzeWorkerCommand,
  },
  {
    name: 'collect',
    summary: 'run the collector alone: scrape targets, publish samples, serve /metrics (--once: print NDJSON)',
    load: async () => (await import('./collect.ts')).collectCommand,
  },
  {
    name: 'dashboards',
    summary: 'write Grafana dashboards and provisioning files from a config (--config FILE --out DIR)',
    load: async () => (await import('./dashboards.ts')).dashboardsCommand,
  },
  {
    name: 'demo',
    summary:
      'the whole flow live in one process on a virtual clock (what `npm start` runs; --replay: the shipped examples)',
    load: async () => (await import('./demo.ts')).demoCommand,
  },
  {
    name: 'odoo-exporter',
    summary:
      'serve Odoo business signals (orders, payments, reservations, queue jobs) as Prometheus metrics (--config FILE)',
    load: async () => (await import('./odooExporter.ts')).odooExporterCommand,
  },
  {
    name: 'rules',
    summary: 'write Prometheus alerting rules from a config (--config FILE --out DIR)',
    load: async () => (await import('./rules.ts')).rulesCommand,
  },
  {
    name: 'serve',
    summary: 'run the live service: collector, analyzer pipeline, gate HTTP API (--config FILE)',
    load: async () => (await import('./serve.ts')).serveCommand,
  },
  {
    name: 'scorecard',
    summary: 'release scorecards for leadership over a period (--from --to [--format html|json|csv|md])',
    load: async () => (await import('./scorecard.ts')).scorecardCommand,
  },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 'version'.length) + 2;
  const line = (name: string, summary: string) => `  ${name.padEnd(width)}${summary}`;
  return `release-health — judges releases of retail ERP / SaaS platforms from their metrics

usage: release-health <command> [options]

commands:
${COMMANDS.map((c) => line(c.name, c.summary)).join('\n')}
${line('help', 'show this help (also: --help, -h); "release-health <command> --help" for one command')}
${line('version', 'print the version')}

${EXIT_CODE_HELP}`;
}

/** Entry point; returns the exit code. Output goes to stdout/stderr; nothing else touches the process. */
export async function main(
  argv: string[],
  io: CommandIo = { out: (t: string) => console.log(t), err: (t: string) => console.error(t) },
): Promise<number> {
  const [name, ...rest] = argv;
  try {
    switch (name) {
      case undefined:
        io.err(usage());
        return EXIT.usage;
      case 'help':
      case '--help':
      case '-h':
        io.out(usage());
        return EXIT.ok;
      case 'version':
      case '--version': {
        const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
          version: string;
        };
        io.out(pkg.version);
        return EXIT.ok;
      }
    }
    const entry = COMMANDS.find((c) => c.name === name);
    if (!entry) throw new UsageError(`unknown command "${name}"`);
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(command.usage);
      return EXIT.ok;
    }
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, name, io);
  }
}

/**
 * One line, escaped for the terminal (messages quote input files), never a stack trace: operators
 * read these, and a stack of minified WebAssembly glue helps none of them.
 */
function reportError(error: unknown, name: string | undefined, io: CommandIo): number {
  const say = (text: string) => io.err(forTerminal(text));
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    const help = COMMANDS.some((c) => c.name === name) ? `release-health ${name} --help` : 'release-health --help';
    say(`error: ${(error as Error).message}\n(run "${help}" for usage)`);
    return EXIT.usage;
  }
  if (
    error instanceof InputError ||
    error instanceof ConfigError ||
    (error instanceof Error && error.name === 'UnknownReleaseClassError')
  ) {
    say(`error: ${error.message}`);
    return EXIT.input;
  }
  // the store's own errors (a directory locked by another serve, a failed integrity check) are
  // written for the operator: the line alone
  if (error instanceof StoreError) {
    say(`error: store: ${error.message}`);
    return EXIT.failure;
  }
  if (process.env.RH_DEBUG) throw error;
  say(
    `error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} (an internal error: run with RH_DEBUG=1 for the stack trace)`,
  );
  return EXIT.internal;
}
