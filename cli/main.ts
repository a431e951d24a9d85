import { readFileSync } from 'node:fs';
import { analyzeCommand, ANALYZE_USAGE } from './analyze.ts';
import { collectCommand } from './collect.ts';
import { demoCommand } from './demo.ts';
import { InputError, UsageError } from './inputError.ts';

const USAGE = `release-health — judges releases of retail ERP / SaaS platforms from their metrics

usage: release-health <command> [options]

commands:
  analyze     replay recorded samples and print the verdict, minute by minute
  collect     run the collector alone: scrape targets, publish samples, serve /metrics (--once: print NDJSON)
  demo        replay the shipped examples (what \`npm start\` runs)
  help        show this help (also: --help, -h); "release-health <command> --help" for one command
  version     print the version

${ANALYZE_USAGE}`;

/** Entry point; returns the exit code. Output goes to stdout/stderr; nothing else touches the process. */
export async function main(argv: string[], io = { out: (t: string) => console.log(t), err: (t: string) => console.error(t) }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 1 : 0;
      case 'version':
      case '--version': {
        const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
        io.out(pkg.version);
        return 0;
      }
      case 'analyze':
        return await analyzeCommand(rest, io.out, io.err);
      case 'collect':
        return await collectCommand(rest, io.out, io.err);
      case 'demo':
        return await demoCommand(rest, io.out, io.err);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof InputError) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`error: ${(error as Error).message}\n(run "release-health --help" for usage)`);
      return 1;
    }
    if (error instanceof Error && error.name === 'UnknownReleaseClassError') {
      io.err(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
