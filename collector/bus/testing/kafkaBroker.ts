/**
 * Test support for the Kafka bus: finds the broker started by `scripts/services/kafka.sh` and
 * applies `requireService` semantics (test/integration/helpers.ts) — under CI=true a missing
 * broker fails the test, elsewhere it is skipped naming the script. Tests that have their
 * `TestContext` at hand call `requireService(t, 'kafka' | 'kafka_cluster')` directly;
 * `brokersOrSkip` is for a file that must decide at load time (the contract suite registers its
 * tests then). Both probe the same way: a TCP connect to every broker of the list.
 */
import {
  brokerList,
  inCI,
  serviceEnv,
  SERVICE_ENV,
  ServiceUnavailableError,
  startCommand,
  tcpConnect,
} from '../../../test/integration/helpers.ts';

export type KafkaService = 'kafka' | 'kafka_cluster';

/** The brokers when every one answers, else the reason they cannot be used. */
export async function findBrokers(service: KafkaService): Promise<{ brokers: string[] } | { reason: string }> {
  const variable = SERVICE_ENV[service];
  const value = serviceEnv(variable);
  if (!value) return { reason: `${variable} is not set and the services env file does not have it` };
  const brokers = brokerList(value);
  try {
    await Promise.all(brokers.map((b) => tcpConnect(b)));
  } catch (error) {
    return { reason: `${value} does not answer: ${(error as Error).message}` };
  }
  return { brokers };
}

/**
 * For top-level use in a test file (the contract suite registers its tests at load time):
 * the brokers, or — when there are none — a skip reason outside CI; under CI it throws.
 */
export async function brokersOrSkip(
  service: KafkaService,
): Promise<{ brokers: string[]; skip?: undefined } | { brokers?: undefined; skip: string }> {
  const found = await findBrokers(service);
  if ('brokers' in found) return found;
  if (inCI()) throw new ServiceUnavailableError(service, found.reason);
  return { skip: `run ${startCommand(service)} (${service}: ${found.reason})` };
}

let runCounter = 0;
/** A topic prefix no earlier run or test used: the contract needs an isolated bus per test. */
export function uniquePrefix(label: string): string {
  return `rh-test-${label}-${Date.now().toString(36)}-${process.pid}-${++runCounter}.`;
}
