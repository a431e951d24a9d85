import { parseArgs } from 'node:util';
import { Replay, resolvePolicy, type Decision, type JudgeMode } from '../analyzer/index.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';
import { InputError, parseDuration, UsageError } from '../analyzer/inputError.ts';
import { formatReport } from './report.ts';
import { forTerminal } from './terminalText.ts';
import { readSamples } from '../collector/ndjson/samples.ts';
import { loadSpec } from './specFile.ts';

const ANALYZE_USAGE = `usage: release-health analyze --spec FILE --samples FILE|- [--mode sequential|fixed] [--interval 1m] [--json]

Replays recorded samples and says what the verdict would have been at every look.
  --spec FILE       JSON or YAML: { release, metrics, policy } (or kayentaConfig in place of metrics)
  --samples FILE    NDJSON, one {"ts","metric","cohort","value"} per line; - reads stdin
  --mode MODE       sequential (default; anytime-valid, read every look) or fixed (Kayenta-class)
  --interval DUR    how often the judge looks: 30s, 1m (default), 10m ... (1s to 24h)
  --json            print {"verdict", "timeline", "samples"} as one JSON object

exit codes: 0 promote or continue, 2 rollback, 3 inconclusive, 4 reduce-traffic, 64 usage error,
65 input error (release-health --help lists every code)`;

/** Most looks one replay may take (30 days at 30 s is 86,400). */
const MAX_LOOKS = 100_000;

/** The verdict as the exit code (the rows 0, 2, 3 and 4 of the table in command.ts). */
const VERDICT_EXIT_CODES: Record<Decision, ExitCode> = {
  promote: EXIT.ok,
  continue: EXIT.ok,
  rollback: EXIT.rollback,
  inconclusive: EXIT.inconclusive,
  'reduce-traffic': EXIT.reduceTraffic,
};

export const analyzeCommand: CommandBody = { usage: ANALYZE_USAGE, run: analyze };

async function analyze(args: string[], { out, err }: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args,
    options: {
      spec: { type: 'string' },
      samples: { type: 'string' },
      mode: { type: 'string', default: 'sequential' },
      interval: { type: 'string', default: '1m' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.spec) throw new UsageError('analyze: --spec FILE is required');
  if (!values.samples) throw new UsageError('analyze: --samples FILE (or -) is required');
  if (values.mode !== 'sequential' && values.mode !== 'fixed')
    throw new UsageError(`analyze: --mode must be sequential or fixed, got "${values.mode}"`);
  const mode: JudgeMode = values.mode;
  // a look per second at most (the sample resolution of any source) and one a day at least
  const intervalMs = parseDuration(values.interval, '--interval', { min: 1000, max: 86_400_000 });

  const { spec, warnings } = await loadSpec(values.spec);
  if (!values.json) for (const w of warnings) err(forTerminal(`warning: ${w}`));
  // the judge looks once per interval until the observation window ends: a window of billions of
  // looks (observeMs 9e15) is an input error, not a replay that never ends
  const looks = Math.ceil(resolvePolicy(spec.release.class, spec.policy).observeMs / intervalMs);
  if (looks > MAX_LOOKS) {
    throw new InputError(
      values.spec,
      undefined,
      `policy.observeMs: the observation window is ${looks} looks of --interval ${values.interval} (at most ${MAX_LOOKS}); shorten it or raise --interval`,
    );
  }
  const replay = new Replay(spec, { mode, intervalMs });
  const read = await readSamples(values.samples, (sample) => replay.push(sample));
  const { verdict, timeline, counts } = replay.finish();
  // what the window could detect at the traffic replayed: a tolerance that cannot be reached is a
  // warning (the release is still judged), never an error
  const power = replay.power();
  const powerWarnings = power.flatMap((p) => (p.warning && p.traffic ? [p.warning] : []));
  if (values.json) {
    out(
      JSON.stringify({
        verdict,
        timeline,
        samples: { lines: read.lines, ...counts },
        power,
        warnings: [...warnings, ...powerWarnings],
      }),
    );
  } else {
    for (const w of powerWarnings) err(forTerminal(`warning: ${w}`));
    // names come from the input files: control and bidi characters are shown escaped
    out(
      forTerminal(
        formatReport({ spec, mode, intervalMs, verdict, timeline, counts, lines: read.lines, warnings: [], power }),
      ),
    );
  }
  return VERDICT_EXIT_CODES[verdict.decision];
}
