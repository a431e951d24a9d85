/**
 * Per-tenant failures on real PostgreSQL: a query timeout (a table locked by another session
 * against a small statement_timeout), a tenant database dropped mid-run, a wrong password, a
 * missing password variable, a database that is not Odoo's. Each failure must show as that
 * tenant's `odoo_exporter_up{db} 0`, an `odoo_exporter_scrape_errors_total{db,source}` increment
 * and a log line naming the tenant, while the other tenants keep serving.
 *
 * The CI PostgreSQL trusts local connections (scripts/services/start.sh: initdb --auth=trust), so
 * it accepts any password; the wrong-password case therefore runs against a stub speaking
 * PostgreSQL's startup protocol that asks for a cleartext password and answers SQLSTATE 28P01
 * exactly as the server does.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import pg from 'pg';
import { fromPg, startOdooExporter } from '../../odoo-exporter/index.ts';
import {
  createScratchDatabase,
  hasSeries,
  sampleSum,
  type ScratchDatabase,
} from '../../odoo-exporter/testing/helpers.ts';
import { createOdooSimulation } from '../../simulator/index.ts';
import { requireService } from './helpers.ts';

/** ErrorResponse frame (protocol v3): fields S, V, C, M. */
function errorFrame(code: string, message: string): Buffer {
  const fields = Buffer.concat(
    [
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', code],
      ['M', message],
    ]
      .map(([k, v]) => Buffer.from(`${k}${v}\0`))
      .concat([Buffer.from([0])]),
  );
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

/** A PostgreSQL that rejects every password; records the passwords it was sent. */
async function passwordRejectingServer(): Promise<{ port: number; passwords: string[]; server: Server }> {
  const passwords: string[] = [];
  const server = createServer((socket: Socket) => {
    let started = false;
    socket.on('data', (data) => {
      if (!started) {
        started = true; // StartupMessage: ask for a cleartext password (AuthenticationCleartextPassword)
        const auth = Buffer.alloc(9);
        auth.write('R', 0);
        auth.writeInt32BE(8, 1);
        auth.writeInt32BE(3, 5);
        socket.write(auth);
        return;
      }
      if (data[0] === 0x70) passwords.push(data.subarray(5, data.length - 1).toString('utf8')); // 'p' PasswordMessage
      socket.end(errorFrame('28P01', 'password authentication failed for user "odoo_ro"'));
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, passwords, server };
}

test(
  'per-tenant failures: up=0, error counter and a log line naming the tenant; others keep serving',
  { timeout: 300_000 },
  async (t) => {
    const admin = await requireService(t, 'postgres');
    if (!admin) return;
    const dbs: ScratchDatabase[] = [];
    const pools: pg.Pool[] = [];
    const stub = await passwordRejectingServer();
    let locker: pg.Client | undefined;
    try {
      for (let i = 0; i < 3; i++) dbs.push(await createScratchDatabase(admin));
      const [a, b, empty] = dbs;
      for (const d of [a, b]) {
        const pool = new pg.Pool({ connectionString: d.url, max: 2 });
        pool.on('error', () => {}); // the simulator's idle connection to a dropped database
        pools.push(pool);
      }
      const start = Date.UTC(2026, 10, 27, 12, 0, 0);
      const sim = await createOdooSimulation({
        seed: 3,
        start,
        ordersPerMinute: 4,
        tenants: [
          { name: 'a', db: fromPg(pools[0]) },
          { name: 'b', db: fromPg(pools[1]) },
        ],
      });
      const logs: string[] = [];
      const stubUrl = `postgresql://odoo_ro@127.0.0.1:${stub.port}/shop_c`;
      const exporter = await startOdooExporter(
        {
          intervalSeconds: 0,
          statementTimeoutMs: 400,
          connectTimeoutMs: 3000,
          lagSeconds: 0,
          tenants: [
            { db: 'a', url: a.url },
            { db: 'b', urlEnv: 'RH_ODOO_TEST_B_URL' },
            { db: 'c', url: stubUrl, passwordEnv: 'RH_ODOO_TEST_C_PASSWORD' },
            { db: 'd', url: a.url, passwordEnv: 'RH_ODOO_TEST_UNSET' },
            { db: 'e', url: empty.url },
          ],
        },
        {
          serve: false,
          clock: sim.now,
          log: (l) => logs.push(l),
          env: { RH_ODOO_TEST_B_URL: b.url, RH_ODOO_TEST_C_PASSWORD: 'wrong-secret' },
        },
      );
      try {
        await exporter.scrapeOnce();
        await sim.runUntil(start + 10 * 60_000);
        await exporter.scrapeOnce();
        let text = await exporter.collect();
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'a' }), 1);
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'b' }), 1);
        // wrong password: the stub got the password from the environment variable, and refused it
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'c' }), 0);
        assert.equal(sampleSum(text, 'odoo_exporter_scrape_errors_total', { db: 'c', source: 'connection' }), 2);
        assert.ok(stub.passwords.includes('wrong-secret'), 'the password came from passwordEnv');
        assert.ok(
          logs.some(
            (l) => l.includes('tenant "c"') && l.includes('password authentication failed') && l.includes('28P01'),
          ),
          logs.join('\n'),
        );
        assert.equal(logs.filter((l) => l.includes('tenant "c"')).length, 1, 'a persisting error is logged once');
        // missing password variable; not an Odoo database
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'd' }), 0);
        assert.ok(
          logs.some((l) => l.includes('tenant "d"') && l.includes('RH_ODOO_TEST_UNSET')),
          'missing variable logged',
        );
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'e' }), 0);
        assert.ok(
          logs.some((l) => l.includes('tenant "e"') && l.includes('not an Odoo database')),
          'not-Odoo logged',
        );
        const createdB = sampleSum(text, 'odoo_sale_orders_created_total', { db: 'b' });
        assert.ok(createdB > 0, 'b has orders');

        // query timeout: another session holds queue_job and sale_order of tenant b, with new
        // orders written just before; the windows of the failed source must not move
        await sim.runUntil(start + 15 * 60_000);
        locker = new pg.Client({ connectionString: b.url });
        await locker.connect();
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE queue_job, sale_order IN ACCESS EXCLUSIVE MODE');
        await exporter.scrapeOnce();
        text = await exporter.collect();
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'b' }), 0);
        assert.equal(sampleSum(text, 'odoo_exporter_scrape_errors_total', { db: 'b', source: 'queue_job' }), 1);
        assert.equal(sampleSum(text, 'odoo_exporter_scrape_errors_total', { db: 'b', source: 'sale_order' }), 1);
        assert.ok(
          logs.some((l) => l.includes('tenant "b" source queue_job') && l.includes('statement timeout')),
          logs.join('\n'),
        );
        assert.ok(
          !hasSeries(
            text
              .split('\n')
              .filter((l) => l.includes('db="b"'))
              .join('\n'),
            'odoo_queue_jobs',
          ),
          "b's queue gauges are dropped, not stale",
        );
        assert.ok(text.includes('odoo_mail_queued{db="b"}'), "b's other signals keep serving");
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'a' }), 1);
        await locker.query('ROLLBACK');
        await locker.end();
        locker = undefined;
        await exporter.scrapeOnce();
        text = await exporter.collect();
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'b' }), 1);
        const rowsB = (await pools[1].query<{ n: number }>('SELECT count(*)::int AS n FROM sale_order')).rows[0].n;
        assert.equal(
          sampleSum(text, 'odoo_sale_orders_created_total', { db: 'b' }),
          rowsB,
          'the timed-out window was read again, nothing lost or doubled',
        );
        assert.ok(
          logs.some((l) => l.includes('tenant "b" source queue_job recovered')),
          'recovery logged',
        );

        // tenant a's database disappears mid-run
        await a.drop();
        await exporter.scrapeOnce();
        text = await exporter.collect();
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'a' }), 0);
        assert.ok(
          sampleSum(text, 'odoo_exporter_scrape_errors_total', { db: 'a', source: 'connection' }) >= 1,
          'a counted',
        );
        assert.ok(
          logs.some((l) => l.includes('tenant "a"') && /does not exist|terminat/.test(l)),
          logs.join('\n'),
        );
        assert.ok(
          !text.includes('odoo_mail_queued{db="a"}'),
          "a's gauges are gone\n" +
            text
              .split('\n')
              .filter((l) => l.includes('db="a"'))
              .join('\n') +
            logs.join('\n'),
        );
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'b' }), 1);
        assert.ok(sampleSum(text, 'odoo_sale_orders_created_total', { db: 'b' }) >= createdB, 'b keeps counting');
      } finally {
        await exporter.close();
      }
    } finally {
      await locker?.end().catch(() => undefined);
      for (const p of pools) await p.end().catch(() => undefined);
      for (const d of dbs) await d.drop().catch(() => undefined);
      stub.server.close();
    }
  },
);
