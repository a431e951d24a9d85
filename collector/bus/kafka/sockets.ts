/**
 * The sockets of one kafkajs client, through its documented `socketFactory` option, so that
 * closing the bus can end the connections kafkajs itself has lost track of.
 *
 * Why (kafkajs 2.2.4): a consumer keeps its group coordinator as a `Broker` object
 * (`ConsumerGroup.coordinator`), replaced only at its next join. When that broker stops, a
 * metadata refresh drops it from the client's broker pool (disconnecting it), but heartbeats
 * still go through the old object, whose connection pool reconnects on demand — so once the
 * broker is back, the next heartbeat opens a connection that belongs to no pool.
 * `consumer.disconnect()` only closes the pool's brokers: that socket, its request-timeout
 * interval and its pending-request timer stay, and the process never exits (seen in
 * test/integration/kafkaCluster.test.ts whenever the group coordinator is on the restarted
 * broker). After every client of the bus has disconnected, any socket kafkajs never ended is
 * such a leftover; destroying it with an error runs kafkajs's own error path (the connection
 * rejects its requests, disconnects and clears its timers).
 */
import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** kafkajs's default keep-alive delay (src/network/socketFactory.js), kept as it is. */
const KEEP_ALIVE_DELAY_MS = 60_000;

export class TrackedSockets {
  private readonly open = new Set<Socket>();

  /** For `new Kafka({ socketFactory })`: kafkajs's default factory, remembering each socket until it closes. */
  readonly factory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
      : connect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  };

  /**
   * Call once every client of the Kafka instance has disconnected: destroys the sockets kafkajs
   * did not end itself (a disconnect ends and unrefs them) and returns how many there were.
   */
  destroyLeftovers(): number {
    let count = 0;
    for (const socket of this.open) {
      if (socket.writableEnded || socket.destroyed) continue;
      count++;
      socket.destroy(new Error('kafka bus closed: a connection kafkajs no longer tracks'));
    }
    return count;
  }
}
