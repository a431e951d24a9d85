/**
 * `release-health analyze-worker …` as a script of its own: the Kafka worker tests and the
 * benchmark spawn it as a child process with `node --import tsx cli/analyzeWorkerMain.ts …`
 * (no bin/ and no build needed). Same command table, same exit codes as `cli/main.ts`.
 */
import { main } from './main.ts';

process.exitCode = await main(['analyze-worker', ...process.argv.slice(2)]);
