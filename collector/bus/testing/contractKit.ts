/**
 * Helpers of the bus contract suite: a recorder that lets a test await "these deliveries have
 * happened" instead of sleeping, and factories for messages. Nothing here knows an implementation.
 */
import type { Verdict } from '../../../analyzer/types.ts';
import type { Ack, Bus, Handler, SampleBatch } from '../bus.ts';

export interface ContractContext {
  /** a fresh, isolated bus (see `BusContractOptions.make`); closed by the caller */
  make(options?: { maxPendingBatches?: number }): Promise<Bus>;
  /** runs `fn` with a fresh bus and always closes it, so a failed assertion leaves no handles */
  withBus(fn: (bus: Bus) => Promise<void>, options?: { maxPendingBatches?: number }): Promise<void>;
  timeoutMs: number;
  /** node:test options for each test: above `timeoutMs`, so a wait's own message wins the race */
  testOptions: { timeout: number };
  /** how long to let the bus run before asserting that something did NOT happen */
  settle(): Promise<void>;
}

export interface Delivery<M> {
  /** the label the test gave the handler (not the bus's member id) */
  member: string;
  message: M;
  ack: Ack;
}

export interface HandlerBehaviour<M> {
  /** acknowledge inside the handler, awaited before the handler settles (default true) */
  ack?: boolean;
  /** runs after recording and before acknowledging; a rejection fails the handler */
  onMessage?: (message: M) => Promise<void> | void;
}

/** Records every delivery, in order, across all handlers it made. */
export class Recorder<M> {
  readonly deliveries: Delivery<M>[] = [];
  /** handler calls that have finished (acknowledgement included) */
  private settled = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly timeoutMs: number) {}

  handler(member: string, behaviour: HandlerBehaviour<M> = {}): Handler<M> {
    return async (message, ack) => {
      this.deliveries.push({ member, message, ack });
      this.wake();
      try {
        await behaviour.onMessage?.(message);
        if (behaviour.ack ?? true) await ack();
      } finally {
        this.settled++;
        this.wake();
      }
    };
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }

  of(member: string): M[] {
    return this.deliveries.filter((d) => d.member === member).map((d) => d.message);
  }

  /**
   * Resolves once `predicate` holds — by default also with every handler call finished, so its
   * acknowledgement has landed (a Kafka commit is a round trip) — re-checked at every delivery
   * and completion; rejects after the timeout. `idle: false` for handlers the test holds open.
   */
  async until(what: string, predicate: () => boolean, { idle = true } = {}): Promise<void> {
    const done = (): boolean => predicate() && (!idle || this.settled === this.deliveries.length);
    if (done()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `timed out after ${this.timeoutMs} ms waiting for ${what} (${this.deliveries.length} deliveries so far)`,
          ),
        );
      }, this.timeoutMs);
      // Deliberately not unref'd: with an idle in-memory bus this timer is what keeps the event
      // loop alive, so a missing delivery fails this test with a message instead of ending the run.
      this.waiters.add(check);
    });
  }

  /** Resolves once at least `n` deliveries were recorded and every handler call has finished. */
  count(n: number): Promise<void> {
    return this.until(`${n} deliveries`, () => this.deliveries.length >= n);
  }
}

export function batch(releaseId: string, sequence: number, producer = 'scrape:a'): SampleBatch {
  return {
    releaseId,
    batchId: `${producer}/${releaseId}/${sequence}`,
    producer,
    sequence,
    samples: [{ ts: 1_700_000_000_000 + sequence, metric: 'orders_total', cohort: 'canary', value: sequence }],
  };
}

export function verdict(releaseId: string, at: number): Verdict {
  return {
    releaseId,
    at,
    decision: 'continue',
    score: 100,
    metrics: [],
    reasons: [`look at ${at}`],
    policy: { class: 'standard', observedFor: at },
  };
}

/** "<release>/<sequence>" of each batch, for readable assertions. */
export const tags = (batches: readonly SampleBatch[]): string[] => batches.map((b) => `${b.releaseId}/${b.sequence}`);

export const releases = (n: number, prefix = 'rel'): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** A promise with its resolve exposed, to hold a handler open. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Tracks a promise's settlement without awaiting it. */
export function track(promise: Promise<unknown>): { settled: () => boolean; outcome: Promise<unknown> } {
  let done = false;
  const outcome = promise.then(
    (value) => {
      done = true;
      return value;
    },
    (error: unknown) => {
      done = true;
      return error;
    },
  );
  return { settled: () => done, outcome };
}
