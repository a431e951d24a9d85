/**
 * Stand-alone entry of `analyze-worker` until cli/main.ts lists the command (then
 * `node bin/release-health.js analyze-worker …` is the same): the Kafka worker tests and the
 * benchmark spawn it as a child process with `node --import tsx cli/analyzeWorkerMain.ts …`.
 */
import { analyzeWorkerCommand } from './analyzeWorker.ts';
import { UsageError } from './inputError.ts';

try {
  process.exitCode = await analyzeWorkerCommand(
    process.argv.slice(2),
    (t) => console.log(t),
    (t) => console.error(t),
  );
} catch (error) {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`error: ${(error as Error).message}`);
    process.exitCode = 1;
  } else throw error;
}
