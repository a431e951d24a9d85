/**
 * The action contract (docs/architecture.md, "Seams"; organised as the store's and the bus's
 * contract suites): one set of node:test tests every `Action` implementation runs through the
 * action sink and the one delivery path, against a real receiver of its own (a node:http server
 * for the HTTP actions, a file for Traefik). Call it at the top level of the implementation's test file:
 *
 * @example
 * runActionContract({ name: 'webhook', delivers: DECISIONS, make: async ({ timeoutMs }) => { ... } });
 *
 * What every action must do: deliver on exactly its decisions (recorded, audited); retry a
 * failure the receiver may recover from with waits inside the full-jitter bounds; stop at once on
 * one it will not recover from; give up after the policy's attempts with a recorded failure;
 * never let a secret reach a record, an audit entry or a log line, even when the receiver echoes
 * the request; end an attempt at its timeout; and never throw into the pipeline — neither when
 * the receiver is down nor when the store fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Decision } from '../../../analyzer/index.ts';
import type { Logger } from '../../../analyzer/logger.ts';
import { DECISIONS } from '../../../pipeline/index.ts';
import { createPgliteStore, type ReleaseRecord, type Store } from '../../../store/index.ts';
import { createActionSink } from '../runner.ts';
import type { Action } from '../types.ts';
import type { Outcome, ScriptedReceiver } from './scriptedReceiver.ts';
import { spec, START, verdict } from './fixtures.ts';

export interface ContractTarget {
  /** the action under test, built against this target */
  action: Action;
  /** what the next attempts meet, in turn ('ok' once spent) */
  script(outcomes: readonly Outcome[]): void;
  /** attempts that reached the target, and what each met */
  seen(): readonly Outcome[];
  /** strings that must appear in no record, audit entry, log line or error */
  secrets: readonly string[];
  close(): Promise<void>;
}

export interface ActionContractOptions {
  /** shown in the test report: "action contract: <name>" */
  name: string;
  /** a target and the action built against it; `timeoutMs` is the per-attempt timeout to build it with */
  make(options: { timeoutMs: number }): Promise<ContractTarget>;
  /** the decisions the action delivers on when entered (the others must send nothing) */
  delivers: readonly Decision[];
  /** deliver in a background sink (alerts), as the service wires it; default: awaited (steering actions) */
  background?: boolean;
  /** the target can leave an attempt unanswered (an HTTP receiver; not a local file) */
  canHang: boolean;
}

const SHORT_TIMEOUT_MS = 200;

function recordFor(id: string): ReleaseRecord {
  const release = { ...spec.release, id };
  return { release, spec: { ...spec, release }, status: 'active', registeredAt: START, registeredBy: 'contract' };
}

/** Records what was logged, to search it for secrets. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (fields: Record<string, unknown>, message: string) =>
    void lines.push(JSON.stringify({ fields, message }));
  return { lines, info: log, warn: log, error: log };
}

export function runActionContract(options: ActionContractOptions): void {
  const firstDecision = options.delivers[0];
  assert.ok(firstDecision, 'the contract needs at least one decision the action delivers on');
  let store: Store;
  let n = 0;
  /** a release of its own per test, registered in the shared store */
  const release = async (): Promise<ReleaseRecord> => {
    const record = recordFor(`contract-${options.name}-${++n}`);
    await store.createRelease(record, {
      at: START,
      actor: 'contract',
      action: 'release.register',
      releaseId: record.release.id,
    });
    return record;
  };
  const sinkFor = (action: Action, extra: Partial<Parameters<typeof createActionSink>[0]> = {}) =>
    createActionSink({
      store,
      actions: [action],
      retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
      sleep: async () => undefined,
      ...(options.background ? { background: true } : {}),
      ...extra,
    });
  const withTarget = async (test: (target: ContractTarget) => Promise<void>, timeoutMs = 5_000) => {
    const target = await options.make({ timeoutMs });
    try {
      await test(target);
    } finally {
      await target.close();
    }
  };

  describe(`action contract: ${options.name}`, () => {
    before(async () => {
      store = await createPgliteStore();
    });
    after(async () => {
      await store.close();
    });

    it('delivers on exactly its decisions, each recorded as succeeded with an audit entry', () =>
      withTarget(async (target) => {
        const sink = sinkFor(target.action);
        for (const decision of DECISIONS) {
          const record = await release();
          const before = target.seen().length;
          await sink.onVerdict(verdict(1, decision, record.release.id), undefined, record);
          await sink.drain();
          const actions = await store.listActions({ releaseId: record.release.id });
          const audit = (await store.listAudit({ releaseId: record.release.id })).filter(
            (a) => a.action === 'action.run',
          );
          if (options.delivers.includes(decision)) {
            assert.equal(target.seen().length - before, 1, `${decision}: one delivery`);
            assert.deepEqual(
              actions.map((a) => [a.kind, a.decision, a.state, a.attempts, a.target]),
              [[target.action.kind, decision, 'succeeded', 1, target.action.target]],
            );
            assert.deepEqual(
              audit.map((a) => (a.detail as { state: string }).state),
              ['succeeded'],
            );
          } else {
            assert.equal(target.seen().length, before, `${decision}: nothing delivered`);
            assert.deepEqual(actions, [], `${decision}: nothing recorded`);
          }
        }
      }));

    it('retries a failure the receiver may recover from, each wait inside the full-jitter bound', () =>
      withTarget(async (target) => {
        const record = await release();
        const cases = [
          { random: () => 0.999, waits: [99, 199] }, // just under the caps 100 and 200 ms (base 100, doubling)
          { random: () => 0, waits: [0, 0] },
        ];
        for (const [i, { random, waits: expected }] of cases.entries()) {
          const waits: number[] = [];
          const sink = sinkFor(target.action, { sleep: async (ms) => void waits.push(ms), random });
          target.script(['fail', 'fail', 'ok']);
          await sink.onVerdict(verdict(i + 1, firstDecision, record.release.id), undefined, record);
          await sink.drain();
          assert.deepEqual(waits, expected);
        }
        const actions = await store.listActions({ releaseId: record.release.id });
        assert.deepEqual(
          actions.map((a) => [a.state, a.attempts]),
          [
            ['succeeded', 3],
            ['succeeded', 3],
          ],
        );
        const history = await store.listActionAttempts(actions[0].id!);
        assert.deepEqual(
          history.map((a) => a.state),
          ['pending', 'pending', 'succeeded'],
        );
        assert.ok(history[0].error, 'the failed attempt says why');
      }));

    it('gives up after the attempts the policy allows, with a recorded failure', () =>
      withTarget(async (target) => {
        const record = await release();
        target.script(['fail', 'fail', 'fail', 'fail', 'fail']);
        const before = target.seen().length;
        const sink = sinkFor(target.action);
        await sink.onVerdict(verdict(1, firstDecision, record.release.id), undefined, record);
        await sink.drain();
        assert.equal(target.seen().length - before, 3, 'three attempts, no more');
        const [action] = await store.listActions({ releaseId: record.release.id });
        assert.deepEqual([action.state, action.attempts], ['failed', 3]);
        assert.ok(action.lastError, 'the failure says why');
        const audit = (await store.listAudit({ releaseId: record.release.id })).filter(
          (a) => a.action === 'action.run',
        );
        assert.deepEqual(
          audit.map((a) => (a.detail as { state: string }).state),
          ['pending', 'pending', 'failed'],
        );
        target.script([]);
      }));

    it('does not retry a refusal the receiver will repeat', () =>
      withTarget(async (target) => {
        const record = await release();
        target.script(['refuse', 'ok']);
        const before = target.seen().length;
        const sink = sinkFor(target.action);
        await sink.onVerdict(verdict(1, firstDecision, record.release.id), undefined, record);
        await sink.drain();
        assert.equal(target.seen().length - before, 1);
        const [action] = await store.listActions({ releaseId: record.release.id });
        assert.deepEqual([action.state, action.attempts], ['failed', 1]);
        target.script([]);
      }));

    it('lets no secret reach a record, an audit entry or a log line, even when the receiver echoes the request', (t) =>
      withTarget(async (target) => {
        if (target.secrets.length === 0) return t.skip('the action holds no secret');
        const record = await release();
        const logger = recordingLogger();
        target.script(['fail', 'refuse']);
        const sink = sinkFor(target.action, { logger });
        await sink.onVerdict(verdict(1, firstDecision, record.release.id), undefined, record);
        await sink.drain();
        const [action] = await store.listActions({ releaseId: record.release.id });
        const everything = JSON.stringify([
          action,
          await store.listActionAttempts(action.id!),
          await store.listAudit({ releaseId: record.release.id }),
          logger.lines,
        ]);
        assert.equal(action.state, 'failed');
        for (const secret of target.secrets)
          assert.ok(!everything.includes(secret), `a secret leaked: ${secret.slice(0, 3)}…`);
      }));

    it('ends an attempt at its timeout and tries again', { skip: !options.canHang && 'the target cannot hang' }, () =>
      withTarget(async (target) => {
        const record = await release();
        target.script(['hang', 'ok']);
        const started = Date.now();
        const sink = sinkFor(target.action);
        await sink.onVerdict(verdict(1, firstDecision, record.release.id), undefined, record);
        await sink.drain();
        const elapsed = Date.now() - started;
        const [action] = await store.listActions({ releaseId: record.release.id });
        // the hung attempt times out and the next one succeeds; on a starved machine the 'ok' answer
        // itself may miss the short timeout once more, which must again be a timeout, then retried
        assert.equal(action.state, 'succeeded');
        assert.ok(action.attempts >= 2, `attempts: ${action.attempts}`);
        const attempts = await store.listActionAttempts(action.id!);
        const timedOut = new RegExp(`timed out after ${SHORT_TIMEOUT_MS} ms`);
        for (const failed of attempts.slice(0, -1)) assert.match(failed.error ?? '', timedOut);
        assert.ok(elapsed >= SHORT_TIMEOUT_MS, `waited the timeout (${elapsed} ms)`);
        assert.ok(
          elapsed < SHORT_TIMEOUT_MS * (action.attempts - 1) + 3_000,
          `and not much longer (${elapsed} ms for ${action.attempts} attempts)`,
        );
      }, SHORT_TIMEOUT_MS),
    );

    it('never throws into the pipeline: not when the receiver keeps failing, not when the store fails', () =>
      withTarget(async (target) => {
        const record = await release();
        const first = verdict(1, firstDecision, record.release.id);
        const untouched = structuredClone(first);
        target.script(['fail', 'fail', 'fail']);
        await assert.doesNotReject(async () => {
          const sink = sinkFor(target.action);
          await sink.onVerdict(first, undefined, record);
          await sink.drain();
        });
        assert.deepEqual(first, untouched, 'the verdict is not changed by its delivery');

        // a store that fails every write: the delivery still happens, the sink still resolves
        const broken = {
          listActions: () => store.listActions({ releaseId: record.release.id }),
          recordAction: () => Promise.reject(new Error('store down')),
          updateAction: () => Promise.reject(new Error('store down')),
          appendAudit: () => Promise.reject(new Error('store down')),
        };
        const second = await release();
        const before = target.seen().length;
        target.script([]);
        await assert.doesNotReject(async () => {
          const sink = sinkFor(target.action, { store: broken });
          await sink.onVerdict(verdict(2, firstDecision, second.release.id), undefined, second);
          await sink.drain();
        });
        assert.equal(target.seen().length - before, 1, 'delivered although nothing could be recorded');
        assert.deepEqual(target.seen().at(-1), 'ok');
      }));
  });
}

/** A contract target around a scripted HTTP receiver (the HTTP actions): the action was built against `receiver.url`. */
export function receiverTarget(
  receiver: ScriptedReceiver,
  action: Action,
  secrets: readonly string[] = [],
): ContractTarget {
  return {
    action,
    script: (outcomes) => receiver.script(outcomes),
    seen: () => receiver.received.map((r) => r.outcome),
    secrets,
    close: () => receiver.close(),
  };
}
