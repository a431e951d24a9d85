/**
 * TrackedSockets without a broker: a local TCP server stands in for one. What kafkajs ended
 * itself is left alone; what it never ended is destroyed with an error, so kafkajs's own
 * error path (disconnect, timers cleared) runs.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { TrackedSockets } from './sockets.ts';

test('destroyLeftovers destroys only the sockets kafkajs did not end, with an error', async () => {
  const server = createServer((peer) => peer.on('error', () => undefined));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const tracked = new TrackedSockets();
  const open = async (): Promise<Socket> => {
    let connected!: () => void;
    const ready = new Promise<void>((resolve) => (connected = resolve));
    const socket = tracked.factory({ host: '127.0.0.1', port, ssl: undefined as never, onConnect: () => connected() });
    await ready;
    return socket;
  };
  try {
    const ended = await open(); // as kafkajs's disconnect leaves it: ended and unref'd
    const endedErrors: Error[] = [];
    ended.on('error', (error) => endedErrors.push(error));
    ended.end();
    ended.unref();
    const leftover = await open();
    const errors: Error[] = [];
    leftover.on('error', (error) => errors.push(error));
    const closed = new Promise((resolve) => leftover.once('close', resolve)); // events.once would reject on 'error'
    assert.equal(tracked.destroyLeftovers(), 1);
    await closed;
    assert.match(errors[0]?.message ?? '', /kafka bus closed/);
    assert.deepEqual(endedErrors, [], 'an ended socket is left to close by itself');
    if (!ended.closed) await new Promise((resolve) => ended.once('close', resolve));
    assert.equal(tracked.destroyLeftovers(), 0, 'nothing left');
  } finally {
    server.close();
    server.unref();
  }
});
