/**
 * `release-health odoo-exporter --config FILE [--once]`. Runs until SIGINT/SIGTERM; `--once`
 * scrapes every tenant once, prints the exposition, exits (0 when every tenant is up, 1 otherwise).
 * Other exit codes as in command.ts.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError } from '../analyzer/configError.ts';
import { parseOdooExporterConfigText } from '../odoo-exporter/config.ts';
import { startOdooExporter } from '../odoo-exporter/exporter.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';
import { InputError, UsageError } from '../analyzer/inputError.ts';

const USAGE = `usage: release-health odoo-exporter --config FILE [--once]
  Reads Odoo business signals (SQL on Odoo's PostgreSQL, or JSON-RPC) for every tenant in FILE
  (YAML/JSON) and serves them as Prometheus metrics on listen.host:listen.port/listen.path.
  --once   scrape every tenant once, print the exposition and exit (1 if a tenant is down)`;

const MAX_CONFIG_BYTES = 1 << 20;

export const odooExporterCommand: CommandBody = { usage: USAGE, run: odooExporter };

async function odooExporter(argv: string[], { out, err }: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, once: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: false,
  });
  const configPath = values.config;
  if (!configPath) throw new UsageError('odoo-exporter: --config FILE is required');
  let text: string;
  try {
    const buf = await readFile(configPath);
    if (buf.length > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (e) {
    throw new InputError(configPath, undefined, `cannot read: ${(e as Error).message}`);
  }
  let exporter;
  try {
    const config = parseOdooExporterConfigText(text, configPath);
    if (values.once) config.intervalSeconds = 0;
    exporter = await startOdooExporter(config, { log: (line) => err(line), serve: !values.once });
  } catch (e) {
    if (e instanceof ConfigError) throw e; // placed in the file by the parser: exit 65
    err(`odoo-exporter: ${(e as Error).message}`);
    return EXIT.failure;
  }
  if (values.once) {
    await exporter.scrapeOnce();
    const exposition = await exporter.collect();
    out(exposition.replace(/\n$/, ''));
    await exporter.close();
    return /^odoo_exporter_up\{[^}]*\} 0\b/m.test(exposition) ? EXIT.failure : EXIT.ok;
  }
  out(`odoo-exporter: serving ${exporter.tenants.length} tenant(s) on ${exporter.url}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await exporter.close();
  return EXIT.ok;
}
