/**
 * The `bus` section shared by `serve` and `collect`: the in-memory bus (one process) or Kafka
 * (`kafkajs`; brokers listed or named by an environment variable).
 */
import { z } from 'zod';
import { createKafkaBus, createMemoryBus, type Bus } from '../collector/index.ts';
import type { KafkaBusHandle, KafkaBusHooks } from '../collector/bus/kafkaBus.ts';
import { InputError } from '../analyzer/inputError.ts';

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');

export const memoryBusSchema = z
  .object({ kind: z.literal('memory'), maxPendingBatches: z.number().int().positive().optional() })
  .strict();
export const kafkaBusSchema = z
  .object({
    kind: z.literal('kafka'),
    /** host:port list; or name the variable that holds it (comma-separated) */
    brokers: z
      .array(z.string().regex(/^[^\s:]+:\d+$/, 'host:port'))
      .min(1)
      .optional(),
    brokersEnv: envName.optional(),
    clientId: z.string().min(1).default('release-health'),
    topicPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]*$/)
      .default('release-health.'),
    partitions: z.number().int().positive().default(12),
    replicationFactor: z.number().int().positive().optional(),
    maxPendingBatches: z.number().int().positive().optional(),
  })
  .strict()
  .refine((k) => (k.brokers === undefined) !== (k.brokersEnv === undefined), {
    error: 'give exactly one of brokers and brokersEnv',
  });

export const busConfigSchema = z
  .discriminatedUnion('kind', [memoryBusSchema, kafkaBusSchema])
  .default({ kind: 'memory' });
export type BusConfig = z.output<typeof busConfigSchema>;

export type KafkaBusConfig = Extract<BusConfig, { kind: 'kafka' }>;

export async function openBus(bus: BusConfig, env: Readonly<Record<string, string | undefined>>): Promise<Bus> {
  if (bus.kind === 'memory')
    return createMemoryBus(bus.maxPendingBatches ? { maxPendingBatches: bus.maxPendingBatches } : {});
  return openKafkaBus(bus, env);
}

/** The Kafka bus of a `kafka` section, with the hooks a consumer-group member needs. */
export async function openKafkaBus(
  bus: KafkaBusConfig,
  env: Readonly<Record<string, string | undefined>>,
  hooks: KafkaBusHooks = {},
): Promise<KafkaBusHandle> {
  const brokers =
    bus.brokers ??
    (env[bus.brokersEnv as string] ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  if (brokers.length === 0)
    throw new InputError('config', undefined, `bus.brokersEnv: environment variable ${bus.brokersEnv} is not set`);
  return createKafkaBus(
    {
      brokers,
      clientId: bus.clientId,
      topicPrefix: bus.topicPrefix,
      partitions: bus.partitions,
      ...(bus.replicationFactor ? { replicationFactor: bus.replicationFactor } : {}),
      ...(bus.maxPendingBatches ? { maxPendingBatches: bus.maxPendingBatches } : {}),
    },
    hooks,
  );
}
