import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { analyzeCommand } from './analyze.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';
import { UsageError } from '../analyzer/inputError.ts';
import { runLiveDemo, summary } from './demo/live.ts';

const DEMO_USAGE = `usage: release-health demo [--keep | --exit] [--port N] [--dir DIR] [--plain]
       release-health demo --replay

The whole flow in one process, nothing to install (what \`npm start\` runs): a retail estate of four
Odoo tenants on PGlite with the odoo-exporter reading them, a virtual Traefik, the collector, the
in-memory bus, the sequential judge, the store and the gate's HTTP API on localhost. On a virtual
clock it plays a good Traefik canary (promoted) and the first tier of a multi-tenant wave whose
stock reservations slow down and orders stop confirming (rolled back, Traefik weight to 0, the
wave stopped at tier 1), then tells what happened. In a terminal the gate then stays up, with
a history of 13 weeks of releases, until Ctrl-C: the index page, the scorecard, each release's
page and the verdict API. Without a terminal (CI, a pipe) it exits after the story.

  --keep       keep the gate running even without a terminal; the store is kept in DIR
  --exit       exit after the story even in a terminal
  --port N     the gate's port (default 0: a free one)
  --dir DIR    where the Traefik file, dashboards and kept store go (default .release-health/demo)
  --plain      one progress line per minute (default when stdout is not a terminal)
  --replay     instead: replay the shipped recorded examples through both judges (no server)`;

const example = (dir: string, file: string): string =>
  fileURLToPath(new URL(`../examples/${dir}/${file}`, import.meta.url));

const RUNS: { title: string; args: string[] }[] = [
  {
    title: 'checkout latency +25% from minute 10 — sequential judge, a look every minute',
    args: [
      '--spec',
      example('checkout-latency-regression', 'spec.yaml'),
      '--samples',
      example('checkout-latency-regression', 'samples.ndjson'),
    ],
  },
  {
    title: 'the same release — Kayenta-class fixed-horizon judge, a look every 10 minutes',
    args: [
      '--spec',
      example('checkout-latency-regression', 'spec.yaml'),
      '--samples',
      example('checkout-latency-regression', 'samples.ndjson'),
      '--mode',
      'fixed',
      '--interval',
      '10m',
    ],
  },
  {
    title: 'healthy A/A canary — sequential judge',
    args: ['--spec', example('aa-healthy', 'spec.yaml'), '--samples', example('aa-healthy', 'samples.ndjson')],
  },
];

/** The embedded demo: verdicts are the output, so any decision exits 0; a failure to run exits as in command.ts. */
export const demoCommand: CommandBody = { usage: DEMO_USAGE, run: demo };

async function demo(args: string[], io: CommandIo): Promise<ExitCode> {
  const { out } = io;
  const { values } = parseArgs({
    args,
    options: {
      replay: { type: 'boolean' },
      keep: { type: 'boolean' },
      exit: { type: 'boolean' },
      plain: { type: 'boolean' },
      port: { type: 'string', default: '0' },
      dir: { type: 'string', default: '.release-health/demo' },
    },
    strict: true,
  });
  if (values.replay) return replayDemo(io);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0..65535, got ${values.port}`);
  if (values.keep && values.exit) throw new UsageError('--keep and --exit contradict each other');
  const tty = process.stdout.isTTY && !values.plain;
  // in a terminal someone is there to open the pages; in CI or a pipe nobody is, so exit
  const stayUp = Boolean(values.keep) || (Boolean(process.stdout.isTTY) && !values.exit);
  const started = performance.now();
  out(
    'release-health demo: setting up four Odoo tenants on PGlite, the exporter, the collector, the pipeline and the gate…',
  );
  const result = await runLiveDemo({
    dir: values.dir,
    port,
    keep: Boolean(values.keep),
    plain: !tty,
    history: stayUp,
    out: (text) => out(tty ? `\r\x1b[K${text}` : text),
    progress: tty ? (text) => process.stdout.write(`\r\x1b[K${text}`) : out,
  });
  if (tty) process.stdout.write('\n');
  out(summary(result, stayUp));
  out(`(${((performance.now() - started) / 1000).toFixed(1)} s of real time)`);
  if (!stayUp)
    out(
      '\nThe gate has stopped. To browse the pages and the API afterwards, run `npm start` in a terminal (or `npm start -- --keep`).',
    );
  else {
    out(`\nThe gate keeps running on ${result.url} — Ctrl-C to stop.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
  await result.close();
  return EXIT.ok;
}

async function replayDemo(io: CommandIo): Promise<ExitCode> {
  for (const [i, run] of RUNS.entries()) {
    io.out(`${i > 0 ? '\n' : ''}━━ ${i + 1}/${RUNS.length}: ${run.title}\n`);
    // any verdict is the demo's output; only a run that failed stops it (analyze throws on bad input)
    await analyzeCommand.run(run.args, io);
  }
  io.out('\nTry it on your own data: release-health analyze --spec SPEC --samples FILE (see README.md).');
  return EXIT.ok;
}
