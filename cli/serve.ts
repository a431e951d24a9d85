/**
 * `release-health serve --config FILE`: the command line of the live service. Parsing only; the
 * service is assembled in service/.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../analyzer/inputError.ts';
import { loadServeConfig } from '../service/config.ts';
import { startService } from '../service/service.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';

export const SERVE_USAGE = `usage: release-health serve --config FILE

Runs the live service: collector, analyzer pipeline and the gate's HTTP API. See README.md,
"release-health serve", for the config file; examples/serve/serve.yaml is a full example.
Environment: RH_STORE_URL (the store, default pglite://.release-health/store), RH_TOKENS
(name:role:token, comma- or newline-separated); other secrets by the names the config gives.`;

export const serveCommand: CommandBody = { usage: SERVE_USAGE, run: serve };

async function serve(argv: string[], { err }: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' } },
    strict: true,
  });
  if (!values.config) throw new UsageError('serve needs --config FILE');
  const config = await loadServeConfig(values.config);
  const service = await startService(config);
  err(`release-health serving on ${service.url} (Ctrl-C or SIGTERM to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  err('release-health: shutting down (finishing the batch, checkpointing, closing the store)');
  await service.close();
  return EXIT.ok;
}
