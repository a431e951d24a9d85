/**
 * Test support for the Kafka bus: finds the broker started by `scripts/services/kafka.sh` and
 * applies `requireService` semantics (test/integration/helpers.ts) — under CI=true a missing
 * broker fails the test, elsewhere it is skipped naming the script. Kafka speaks its own
 * protocol, so the probe is a TCP connect, not helpers.ts's HTTP GET.
 */
import { connect } from 'node:net';
import { inCI, serviceEnv, SERVICE_ENV, ServiceUnavailableError } from '../../../test/integration/helpers.ts';

export type KafkaService = 'kafka' | 'kafka_cluster';

const SCRIPT = 'scripts/services/kafka.sh';

function tcpProbe(hostPort: string, timeoutMs = 2000): Promise<void> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** The brokers when every one answers, else the reason they cannot be used. */
export async function findBrokers(service: KafkaService): Promise<{ brokers: string[] } | { reason: string }> {
  const variable = SERVICE_ENV[service];
  const value = serviceEnv(variable);
  if (!value) return { reason: `${variable} is not set and the services env file does not have it` };
  const brokers = value.split(',').map((b) => b.trim()).filter(Boolean);
  try {
    await Promise.all(brokers.map((b) => tcpProbe(b)));
  } catch (error) {
    return { reason: `${value} does not answer: ${(error as Error).message}` };
  }
  return { brokers };
}

/**
 * For top-level use in a test file (the contract suite registers its tests at load time):
 * the brokers, or — when there are none — a skip reason outside CI; under CI it throws.
 */
export async function brokersOrSkip(service: KafkaService): Promise<{ brokers: string[]; skip?: undefined } | { brokers?: undefined; skip: string }> {
  const found = await findBrokers(service);
  if ('brokers' in found) return found;
  const start = service === 'kafka' ? 'start' : 'start-cluster';
  if (inCI()) throw new ServiceUnavailableError(service, `${found.reason} (start it with: bash ${SCRIPT} ${start})`);
  return { skip: `run bash ${SCRIPT} ${start} (${service}: ${found.reason})` };
}

let runCounter = 0;
/** A topic prefix no earlier run or test used: the contract needs an isolated bus per test. */
export function uniquePrefix(label: string): string {
  return `rh-test-${label}-${Date.now().toString(36)}-${process.pid}-${++runCounter}.`;
}
