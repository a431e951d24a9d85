/**
 * Runs `analyze-worker` as a child process (the Kafka worker tests and bench/kafkaWorkers.ts):
 * a real process per instance, so a SIGKILL is a real crash and instances really run on
 * separate cores. Its JSON log lines (pino, stdout) are parsed and kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** Until cli/main.ts lists the command; afterwards `bin/release-health.js analyze-worker` is equivalent. */
const ENTRY = ['--import', 'tsx', 'cli/analyzeWorkerMain.ts'];

export type LogLine = Record<string, unknown> & { event?: string; msg?: string };

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** parsed JSON log lines so far */
  readonly logs: LogLine[];
  /** stderr text so far (usage errors, crashes) */
  readonly stderr: () => string;
  /** resolves with the 'ready' log line; rejects if the process exits first */
  readonly ready: Promise<LogLine>;
  /** resolves with the exit code (null when killed by a signal) */
  readonly exited: Promise<number | null>;
  /** SIGTERM and wait for the exit (graceful stop) */
  stop(): Promise<number | null>;
  /** SIGKILL and wait: a crash */
  kill(): Promise<void>;
}

/**
 * `nodeArgs`: node's own flags before the entry (bench/kafkaWorkers.ts passes the image's, the
 * Dockerfile ENTRYPOINT's, so it measures the process a deployment runs).
 */
export function spawnWorker(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  nodeArgs: readonly string[] = [],
): WorkerProcess {
  const child = spawn(process.execPath, [...nodeArgs, ...ENTRY, ...args], {
    cwd: REPO,
    env: { ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let err = '';
  let buffered = '';
  let onReady: (line: LogLine) => void = () => undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<LogLine>((resolve, reject) => {
    onReady = resolve;
    void exited.then((code) =>
      reject(new Error(`analyze-worker exited (${String(code)}) before it was ready: ${err.trim().slice(-2000)}`)),
    );
  });
  ready.catch(() => undefined); // observed by whoever awaits it
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.trim()) continue;
      try {
        const line = JSON.parse(text) as LogLine;
        logs.push(line);
        if (line.event === 'ready') onReady(line);
      } catch {
        logs.push({ msg: text });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return {
    child,
    pid: child.pid ?? -1,
    logs,
    stderr: () => err,
    ready,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
