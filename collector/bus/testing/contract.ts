/**
 * The bus contract suite (after hono's `router/common.case.test.ts`; see docs/architecture.md, "Seams"): one exported
 * set of node:test tests that every `Bus` implementation runs, so the in-memory default and the
 * Kafka bus are proven equivalent on every promise bus.ts makes. Call it at the top level of a
 * `*.test.ts` file:
 *
 * @example
 * runBusContract({ name: 'memory', make: (o) => createMemoryBus(o) });
 */
import { describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus } from '../bus.ts';
import type { ContractContext } from './contractKit.ts';
import { backPressureContract, lifecycleContract, verdictsContract } from './contractLifecycle.ts';
import { samplesContract } from './contractSamples.ts';

export interface BusContractOptions {
  /** shown in the test report: "bus contract: <name>" */
  name: string;
  /**
   * Makes a fresh bus for one test. It must be isolated from every bus made before (a Kafka
   * bus: fresh topic names or prefix), because tests reuse group names and release ids.
   * `maxPendingBatches` is the back-pressure bound the test needs; larger than any test's
   * backlog when not given. The suite closes every bus it makes. The sharing tests need at
   * least 2 partitions per topic.
   */
  make: (options: { maxPendingBatches: number }) => Promise<Bus> | Bus;
  /** per-test limit in ms (default 5000); waits fail with a message instead of hanging */
  timeoutMs?: number;
  /** how long to let the bus run before asserting that something did NOT happen (default 5 ms);
   * a networked bus needs more */
  settleMs?: number;
}

const DEFAULT_MAX_PENDING = 10_000;

export function runBusContract(options: BusContractOptions): void {
  const timeoutMs = options.timeoutMs ?? 5000;
  const settleMs = options.settleMs ?? 5;
  const make = async (o: { maxPendingBatches?: number } = {}): Promise<Bus> =>
    options.make({ maxPendingBatches: o.maxPendingBatches ?? DEFAULT_MAX_PENDING });
  const ctx: ContractContext = {
    make,
    timeoutMs,
    testOptions: { timeout: 2 * timeoutMs },
    async withBus(fn, o) {
      // A wait that never ends must fail by node:test's timeout, not end the run early with
      // "event loop has already resolved": an in-memory bus holds no handle of its own.
      const keepAlive = setInterval(() => {}, 60_000);
      const bus = await make(o);
      try {
        await fn(bus);
      } finally {
        clearInterval(keepAlive);
        await bus.close();
      }
    },
    async settle() {
      await sleep(settleMs);
      await new Promise((resolve) => setImmediate(resolve));
    },
  };

  describe(`bus contract: ${options.name}`, () => {
    describe('samples', () => samplesContract(ctx));
    describe('back-pressure', () => backPressureContract(ctx));
    describe('verdicts', () => verdictsContract(ctx));
    describe('lifecycle', () => lifecycleContract(ctx));
  });
}
