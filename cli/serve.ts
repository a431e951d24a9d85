/**
 * `release-health serve --config FILE [--role all|api|analysis]`: the command line of the live
 * service. Parsing only; the service is assembled in service/ (docs/scale-out.md, "Roles").
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../analyzer/inputError.ts';
import { loadServeConfig } from '../service/config.ts';
import { SERVICE_ROLES, startRole, type ServiceRole } from '../service/service.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';

const SERVE_USAGE = `usage: release-health serve --config FILE [--role all|api|analysis]

Runs the live service: collector, analyzer pipeline and the gate's HTTP API. See README.md,
"release-health serve", for the config file; examples/serve/serve.yaml is a full example.
--role (default all: everything in one process) splits it: "api" answers HTTP from the store and
the verdict topic, "analysis" collects, judges and acts; both need bus.kind kafka and a
postgres:// store (docs/scale-out.md, "Roles").
Environment: RH_STORE_URL (the store, default pglite://.release-health/store), RH_TOKENS
(name:role:token, comma- or newline-separated); other secrets by the names the config gives.`;

export const serveCommand: CommandBody = { usage: SERVE_USAGE, run: serve };

async function serve(argv: string[], { err }: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, role: { type: 'string' } },
    strict: true,
  });
  if (!values.config) throw new UsageError('serve needs --config FILE');
  const role = (values.role ?? 'all') as ServiceRole;
  if (!SERVICE_ROLES.includes(role))
    throw new UsageError(`--role must be one of ${SERVICE_ROLES.join(', ')}, got ${JSON.stringify(values.role)}`);
  const config = await loadServeConfig(values.config);
  const service = await startRole(role, config);
  err(
    service.url
      ? `release-health (${role}) serving on ${service.url} (Ctrl-C or SIGTERM to stop)`
      : `release-health (${role}) analysing (Ctrl-C or SIGTERM to stop)`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  err('release-health: shutting down (finishing the batch, checkpointing, closing the store)');
  await service.close();
  return EXIT.ok;
}
