/**
 * Virtual postgres_exporter and redis_exporter on a virtual clock: per tenant database (and per
 * Redis), the series names and labels the real Debian exporters serve (postgres_exporter 0.11:
 * `pg_stat_database_xact_commit{datid,datname,server}`, `pg_stat_activity_count{datname,server,state}`,
 * `pg_locks_count{datname,mode,server}`; redis_exporter 1.45: `redis_commands_total{cmd}`,
 * `redis_commands_duration_seconds_total{cmd}`, `redis_connected_clients`, `redis_memory_used_bytes`,
 * `redis_evicted_keys_total` — checked against the live exporters in test/integration).
 * Load follows the same retail day as the HTTP traffic; a tenant's factors can change at a
 * release (more transactions per order, lock contention) to play efficiency regressions.
 */
import type { Rng } from '../../analyzer/stats/seededRandom.ts';

export interface TenantLoad {
  datname: string;
  /** transactions per second at the day's reference load */
  transactionsPerSecond: number;
  /** connections typically open */
  connections: number;
  /** relative lock pressure (1 = normal) */
  lockFactor: number;
}

export class VirtualPostgresExporter {
  private readonly tenants = new Map<string, TenantLoad & { commits: number; rollbacks: number; datid: number }>();
  private now: number;
  private active = new Map<string, number>();
  private locks = new Map<string, number>();

  constructor(
    tenants: TenantLoad[],
    private readonly loadAt: (t: number) => number,
    private readonly rng: Rng,
    startAt: number,
    private readonly server = '127.0.0.1:5432',
  ) {
    tenants.forEach((t, i) => this.tenants.set(t.datname, { ...t, commits: 0, rollbacks: 0, datid: 16384 + i }));
    this.now = startAt;
  }

  setTenant(datname: string, change: Partial<Omit<TenantLoad, 'datname'>>): void {
    const t = this.tenants.get(datname);
    if (!t) throw new RangeError(`unknown tenant database "${datname}"`);
    Object.assign(t, change);
  }

  advance(to: number): void {
    if (to <= this.now) return;
    const seconds = (to - this.now) / 1000;
    const load = this.loadAt((this.now + to) / 2);
    for (const t of this.tenants.values()) {
      const tx = this.rng.poisson(t.transactionsPerSecond * load * seconds);
      const rolledBack = this.rng.binomial(tx, 0.002);
      t.commits += tx - rolledBack;
      t.rollbacks += rolledBack;
      this.active.set(t.datname, this.rng.poisson(t.connections * Math.min(1, load)));
      this.locks.set(t.datname, this.rng.poisson(2 * t.lockFactor * load));
    }
    this.now = to;
  }

  exposition(): string {
    const out = [
      '# HELP pg_up Whether the last scrape of metrics from PostgreSQL was able to connect to the server (1 for yes, 0 for no).',
      '# TYPE pg_up gauge',
      'pg_up 1',
    ];
    out.push(
      '# HELP pg_stat_database_xact_commit Number of transactions in this database that have been committed',
      '# TYPE pg_stat_database_xact_commit counter',
    );
    for (const t of this.tenants.values())
      out.push(
        `pg_stat_database_xact_commit{datid="${t.datid}",datname="${t.datname}",server="${this.server}"} ${t.commits}`,
      );
    out.push(
      '# HELP pg_stat_database_xact_rollback Number of transactions in this database that have been rolled back',
      '# TYPE pg_stat_database_xact_rollback counter',
    );
    for (const t of this.tenants.values())
      out.push(
        `pg_stat_database_xact_rollback{datid="${t.datid}",datname="${t.datname}",server="${this.server}"} ${t.rollbacks}`,
      );
    out.push(
      '# HELP pg_stat_activity_count number of connections in this state',
      '# TYPE pg_stat_activity_count gauge',
    );
    for (const t of this.tenants.values()) {
      const active = this.active.get(t.datname) ?? 0;
      out.push(`pg_stat_activity_count{datname="${t.datname}",server="${this.server}",state="active"} ${active}`);
      out.push(
        `pg_stat_activity_count{datname="${t.datname}",server="${this.server}",state="idle"} ${Math.max(0, t.connections - active)}`,
      );
    }
    out.push('# HELP pg_locks_count Number of locks', '# TYPE pg_locks_count gauge');
    for (const t of this.tenants.values()) {
      out.push(
        `pg_locks_count{datname="${t.datname}",mode="accesssharelock",server="${this.server}"} ${this.locks.get(t.datname) ?? 0}`,
      );
      out.push(
        `pg_locks_count{datname="${t.datname}",mode="rowexclusivelock",server="${this.server}"} ${Math.round((this.locks.get(t.datname) ?? 0) / 2)}`,
      );
    }
    return out.join('\n') + '\n';
  }
}

export interface RedisLoad {
  /** commands per second at reference load, per command */
  commandsPerSecond: Record<string, number>;
  /** mean seconds per command */
  secondsPerCommand: number;
  clients: number;
  memoryBytes: number;
}

export class VirtualRedisExporter {
  private readonly calls = new Map<string, number>();
  private readonly seconds = new Map<string, number>();
  private evicted = 0;
  private now: number;

  constructor(
    private load: RedisLoad,
    private readonly loadAt: (t: number) => number,
    private readonly rng: Rng,
    startAt: number,
  ) {
    this.now = startAt;
  }

  setLoad(change: Partial<RedisLoad>): void {
    this.load = { ...this.load, ...change };
  }

  advance(to: number): void {
    if (to <= this.now) return;
    const dt = (to - this.now) / 1000;
    const factor = this.loadAt((this.now + to) / 2);
    for (const [cmd, rate] of Object.entries(this.load.commandsPerSecond)) {
      const n = this.rng.poisson(rate * factor * dt);
      this.calls.set(cmd, (this.calls.get(cmd) ?? 0) + n);
      this.seconds.set(
        cmd,
        (this.seconds.get(cmd) ?? 0) + n * this.load.secondsPerCommand * (0.8 + 0.4 * this.rng.next()),
      );
    }
    this.evicted += this.rng.poisson(0.01 * dt);
    this.now = to;
  }

  exposition(): string {
    const cmds = [...this.calls.keys()].sort();
    return (
      [
        '# HELP redis_commands_total Total number of calls per command',
        '# TYPE redis_commands_total counter',
        ...cmds.map((c) => `redis_commands_total{cmd="${c}"} ${this.calls.get(c)}`),
        '# HELP redis_commands_duration_seconds_total Total amount of time in seconds spent per command',
        '# TYPE redis_commands_duration_seconds_total counter',
        ...cmds.map(
          (c) => `redis_commands_duration_seconds_total{cmd="${c}"} ${(this.seconds.get(c) ?? 0).toFixed(6)}`,
        ),
        '# HELP redis_connected_clients connected_clients metric',
        '# TYPE redis_connected_clients gauge',
        `redis_connected_clients ${this.load.clients}`,
        '# HELP redis_memory_used_bytes memory_used_bytes metric',
        '# TYPE redis_memory_used_bytes gauge',
        `redis_memory_used_bytes ${this.load.memoryBytes}`,
        '# HELP redis_evicted_keys_total evicted_keys_total metric',
        '# TYPE redis_evicted_keys_total counter',
        `redis_evicted_keys_total ${this.evicted}`,
      ].join('\n') + '\n'
    );
  }
}
