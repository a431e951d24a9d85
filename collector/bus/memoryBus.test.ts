import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBusContract } from './testing/contract.ts';
import { BusError } from './errors.ts';
import { createMemoryBus, MEMORY_BUS_DEFAULTS, resolveMemoryBusOptions, type MemoryBusOptions } from './memoryBus.ts';
import { partitionOf } from './memoryLog.ts';

runBusContract({ name: 'memory', make: (options) => createMemoryBus(options) });

// The same suite on 2 partitions (the fewest the sharing tests need): many releases per lane,
// so ordering and handover are exercised under contention.
runBusContract({ name: 'memory, 2 partitions', make: (options) => createMemoryBus({ ...options, partitions: 2 }) });

test('memory bus options: defaults, and unknown or out-of-range values are rejected', () => {
  assert.deepEqual(resolveMemoryBusOptions(), { partitions: 16, maxPendingBatches: 20_000, dedupeCapacity: 10_000 });
  assert.deepEqual(resolveMemoryBusOptions({ partitions: 4 }), { ...MEMORY_BUS_DEFAULTS, partitions: 4 });
  const invalid = (error: unknown): boolean => error instanceof BusError && error.code === 'invalid-options';
  assert.throws(() => createMemoryBus({ partitons: 4 } as MemoryBusOptions), invalid);
  assert.throws(() => createMemoryBus({ maxPendingBatches: 0 }), invalid);
  assert.throws(() => createMemoryBus({ partitions: 2.5 }), invalid);
  assert.throws(() => createMemoryBus({ dedupeCapacity: Number.NaN }), invalid);
});

test('partitionOf is stable and spreads release ids', () => {
  // FNV-1a 32-bit of "a" is 0xe40c292c (the published test vector), so "a" lands in 0xe40c292c % 16 = 12.
  assert.equal(partitionOf('a', 16), 0xe40c292c % 16);
  assert.equal(partitionOf('rel-42', 16), partitionOf('rel-42', 16));
  const used = new Set(Array.from({ length: 64 }, (_, i) => partitionOf(`rel-${i}`, 16)));
  assert.ok(used.size >= 12, `64 release ids should reach most of 16 partitions, reached ${used.size}`);
});
