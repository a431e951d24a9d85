/**
 * `release-health odoo-exporter --config FILE [--once]` — for the lead to wire in cli/main.ts.
 * Runs until SIGINT/SIGTERM; `--once` scrapes every tenant once, prints the exposition, exits
 * (0 when every tenant is up, 1 otherwise). Exit 2 on usage or configuration errors.
 */
import { readFile } from 'node:fs/promises';
import { OdooConfigError, parseOdooExporterConfigText } from './config.ts';
import { startOdooExporter } from './exporter.ts';

export interface Writer {
  write(text: string): unknown;
}

export const ODOO_EXPORTER_USAGE = `usage: release-health odoo-exporter --config FILE [--once]
  Reads Odoo business signals (SQL on Odoo's PostgreSQL, or JSON-RPC) for every tenant in FILE
  (YAML/JSON) and serves them as Prometheus metrics on listen.host:listen.port/listen.path.
  --once   scrape every tenant once, print the exposition and exit (1 if a tenant is down)
`;

const MAX_CONFIG_BYTES = 1 << 20;

export async function odooExporterCommand(
  argv: readonly string[],
  out: Writer,
  err: Writer,
  signal?: AbortSignal,
): Promise<number> {
  let configPath: string | undefined;
  let once = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      out.write(ODOO_EXPORTER_USAGE);
      return 0;
    } else if (a === '--once') once = true;
    else if (a === '--config') configPath = argv[++i];
    else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
    else {
      err.write(`odoo-exporter: unknown argument "${a}"\n${ODOO_EXPORTER_USAGE}`);
      return 2;
    }
  }
  if (!configPath) {
    err.write(`odoo-exporter: --config FILE is required\n${ODOO_EXPORTER_USAGE}`);
    return 2;
  }
  let text: string;
  try {
    const buf = await readFile(configPath);
    if (buf.length > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (e) {
    err.write(`odoo-exporter: cannot read ${configPath}: ${(e as Error).message}\n`);
    return 2;
  }
  let exporter;
  try {
    const config = parseOdooExporterConfigText(text);
    if (once) config.intervalSeconds = 0;
    exporter = await startOdooExporter(config, { log: (line) => err.write(`${line}\n`), serve: !once });
  } catch (e) {
    err.write(`${e instanceof OdooConfigError ? '' : 'odoo-exporter: '}${(e as Error).message}\n`);
    return 2;
  }
  if (once) {
    await exporter.scrapeOnce();
    const text = await exporter.collect();
    out.write(text);
    await exporter.close();
    return /^odoo_exporter_up\{[^}]*\} 0\b/m.test(text) ? 1 : 0;
  }
  out.write(`odoo-exporter: serving ${exporter.tenants.length} tenant(s) on ${exporter.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await exporter.close();
  return 0;
}
