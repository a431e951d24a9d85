/**
 * Fault (e) of docs/reliability.md: the `serve` PROCESS killed with SIGKILL mid-stream and started again.
 * The child runs `node bin/release-health.js serve --config …` on a PGlite directory with the
 * Kafka bus (scripts/services/kafka.sh), so samples published while it is dead wait in the broker
 * as they would in production. The timer is kept out of the way (a grace of years): time comes
 * only from the samples, as in the reference run, so the two histories must be equal look for
 * look — except the last look, which the reference takes with a final tick.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRegistrationLook } from '../../analyzer/index.ts';
import { createKafkaBus } from '../../collector/index.ts';
import { connect } from 'node:net';
import { inCI, REPO_ROOT, serviceEnv } from '../integration/helpers.ts';
import { api, byMinute, TOKENS, TOKENS_ENV, until } from './harness.ts';
import { history, referenceRun, regressingScenario } from './scenarios.ts';

function startServe(config: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/release-health.js'), 'serve', '--config', config], {
    cwd: REPO_ROOT,
    env: { ...process.env, RH_TOKENS: TOKENS_ENV },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function kafkaBrokers(): Promise<string | undefined> {
  const brokers = serviceEnv('RH_KAFKA_BROKERS');
  if (!brokers) return undefined;
  const [host, port] = brokers.split(',')[0].split(':');
  const up = await new Promise<boolean>((resolve) => {
    const socket = connect(Number(port), host, () => (socket.end(), resolve(true)));
    socket.on('error', () => resolve(false));
    socket.setTimeout(3000, () => (socket.destroy(), resolve(false)));
  });
  return up ? brokers : undefined;
}

type Timeline = { at: number; decision: string; score: number }[];
async function timeline(url: string, id: string): Promise<Timeline> {
  const res = await api(url, `/api/v1/releases/${id}`, { token: TOKENS.reader });
  return (res.json?.timeline as Timeline | undefined) ?? [];
}

test(
  '(e) serve killed with SIGKILL mid-stream and restarted: state recovered from the store, verdicts equal the uninterrupted run',
  { timeout: 300_000 },
  async (t) => {
    const brokers = await kafkaBrokers();
    if (!brokers) {
      // requireService's probe is HTTP; a broker is probed with a TCP connect here
      if (inCI()) assert.fail('Kafka (RH_KAFKA_BROKERS) does not answer: run bash scripts/services/kafka.sh start');
      t.skip('Kafka not running: bash scripts/services/kafka.sh start');
      return;
    }
    const s = regressingScenario('fault-kill');
    const reference = await referenceRun(s, { stopWhen: (d) => d === 'rollback' });
    const dir = mkdtempSync(join(tmpdir(), 'rh-faults-kill-'));
    const topicPrefix = `rh-faults-${process.pid}-${Date.now()}.`;
    const config = join(dir, 'serve.yaml');
    writeFileSync(
      config,
      [
        'listen: { port: 0 }',
        `store: { url: "pglite://${join(dir, 'store')}" }`,
        `bus: { kind: kafka, brokers: [${brokers}], topicPrefix: "${topicPrefix}", partitions: 1 }`,
        // time from the samples only: the timer looks 100000 h into the past, i.e. never
        'engine: { interval: 1m, grace: 100000h, checkpointEvery: 2 }',
        'logging: { level: warn }',
      ].join('\n'),
    );
    const feeder = await createKafkaBus({
      brokers: brokers.split(','),
      topicPrefix,
      partitions: 1,
      clientId: 'rh-faults-feeder',
    });
    const minutes = byMinute(s.release, s.samples);
    const publish = (from: number, to: number) =>
      Promise.all(
        minutes
          .filter(([m]) => m >= from && m < to)
          .map(([m, samples]) =>
            feeder.publishSamples({
              releaseId: s.release.id,
              batchId: `m${m}`,
              producer: 'feeder',
              sequence: m,
              samples,
            }),
          ),
      );
    let serve = await startServe(config);
    try {
      assert.equal(
        (
          await api(serve.url, '/api/v1/releases', {
            method: 'POST',
            token: TOKENS.operator,
            body: { release: s.release, spec: s.spec },
          })
        ).status,
        201,
      );
      await publish(0, 8);
      await until('looks 0..6 taken', async () => (await timeline(serve.url, s.release.id)).length >= 7, 90_000);
      serve.child.kill('SIGKILL');
      await new Promise((r) => serve.child.once('exit', r));
      await publish(8, reference.length + 1); // the rest arrives while nothing consumes it
      serve = await startServe(config);
      // serve registers the recorded release long after its first interval ended, so it takes no
      // look at registration; the uninterrupted reference registered at the start and took one
      const looks = reference.filter((v) => !isRegistrationLook(v));
      const expected = history(looks).slice(0, looks.length - 1);
      await until(
        'the restarted process caught up',
        async () => (await timeline(serve.url, s.release.id)).length >= expected.length,
        120_000,
      );
      const got = (await timeline(serve.url, s.release.id)).map((v) => `${v.at}:${v.decision}:${v.score.toFixed(6)}`);
      assert.deepEqual(got.slice(0, expected.length), expected, 'the same looks, none lost, none doubled');
      assert.equal(new Set(got.map((g) => g.split(':')[0])).size, got.length, 'no duplicated look');
      console.log(`fault scenarios survived: 1 (process-sigkill; ${got.length} looks equal to the reference)`);
    } finally {
      serve.child.kill('SIGTERM');
      await new Promise((r) => (serve.child.exitCode !== null ? r(undefined) : serve.child.once('exit', r)));
      await feeder.close();
    }
  },
);
