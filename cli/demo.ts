import { fileURLToPath } from 'node:url';
import { analyzeCommand } from './analyze.ts';

export const DEMO_USAGE = `usage: release-health demo

Replays the shipped examples (examples/): a canary whose checkout latency regresses 25% from
minute 10, and a healthy A/A canary — first with the sequential judge read every minute, then
with the Kayenta-class fixed-horizon judge read every 10 minutes. Needs no server or database.`;

const example = (dir: string, file: string): string => fileURLToPath(new URL(`../examples/${dir}/${file}`, import.meta.url));

const RUNS: { title: string; args: string[] }[] = [
  { title: 'checkout latency +25% from minute 10 — sequential judge, a look every minute', args: ['--spec', example('checkout-latency-regression', 'spec.yaml'), '--samples', example('checkout-latency-regression', 'samples.ndjson')] },
  { title: 'the same release — Kayenta-class fixed-horizon judge, a look every 10 minutes', args: ['--spec', example('checkout-latency-regression', 'spec.yaml'), '--samples', example('checkout-latency-regression', 'samples.ndjson'), '--mode', 'fixed', '--interval', '10m'] },
  { title: 'healthy A/A canary — sequential judge', args: ['--spec', example('aa-healthy', 'spec.yaml'), '--samples', example('aa-healthy', 'samples.ndjson')] },
];

/** The embedded demo: verdicts are the output, so any decision exits 0; only a failure to run exits 1. */
export async function demoCommand(args: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    out(DEMO_USAGE);
    return 0;
  }
  for (const [i, run] of RUNS.entries()) {
    out(`${i > 0 ? '\n' : ''}━━ ${i + 1}/${RUNS.length}: ${run.title}\n`);
    const code = await analyzeCommand(run.args, out, err);
    if (code === 1) return 1;
  }
  out('\nTry it on your own data: release-health analyze --spec SPEC --samples FILE (see README.md).');
  return 0;
}
