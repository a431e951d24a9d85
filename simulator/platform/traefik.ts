/**
 * A virtual Traefik on a virtual clock: requests routed by weight over services (Flagger's
 * `<name>-primary` / `<name>-canary` shape), each service with its own latency distribution and
 * error ratio, exposed with Traefik v3's real series names and labels
 * (`traefik_service_requests_total{code,method,protocol,service}`,
 * `traefik_service_request_duration_seconds{…}` histogram — as recorded from Traefik v3 in
 * collector/textparse/testdata/traefik_v3.prom). Counters only grow, as Traefik's do, so the
 * collector's reset-aware increments see what they would see in production.
 *
 * Weights can change while it runs (the gate's Traefik action rewrites them): traffic shifts at
 * the next `advance`.
 */
import type { Rng } from '../../analyzer/stats/seededRandom.ts';

export interface ServiceProfile {
  /** Traefik service name as exposed, e.g. `odoo-canary@file` */
  name: string;
  /** median request duration, seconds */
  medianSeconds: number;
  /** log-normal shape: sd of log(duration) */
  sigma: number;
  /** fraction of requests answered 500 */
  errorRatio: number;
}

export interface VirtualTraefikOptions {
  services: ServiceProfile[];
  /** share of traffic per service name (normalised); services absent get 0 */
  weights: Record<string, number>;
  /** total requests per second over all services at time t (ms): the retail day shape */
  requestsPerSecond: (t: number) => number;
  rng: Rng;
  /** histogram upper bounds, seconds; default: finer buckets the README recommends */
  buckets?: number[];
  startAt: number;
}

export const RECOMMENDED_TRAEFIK_BUCKETS = Object.freeze([0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2.5, 5, 10]);

interface SeriesState {
  count: number;
  sum: number;
  /** cumulative counts per bucket, as exposed */
  buckets: number[];
}

export class VirtualTraefik {
  private readonly profiles = new Map<string, ServiceProfile>();
  private weights: Record<string, number>;
  private readonly buckets: number[];
  /** service → code → state */
  private readonly series = new Map<string, Map<string, SeriesState>>();
  private now: number;

  constructor(private readonly options: VirtualTraefikOptions) {
    for (const s of options.services) this.profiles.set(s.name, { ...s });
    this.weights = { ...options.weights };
    this.buckets = [...(options.buckets ?? RECOMMENDED_TRAEFIK_BUCKETS)].sort((a, b) => a - b);
    this.now = options.startAt;
  }

  get time(): number {
    return this.now;
  }

  setWeights(weights: Record<string, number>): void {
    this.weights = { ...weights };
  }

  getWeights(): Record<string, number> {
    return { ...this.weights };
  }

  /** Changes a service's behaviour from now on (a regression injected, or healed). */
  setProfile(name: string, change: Partial<Omit<ServiceProfile, 'name'>>): void {
    const current = this.profiles.get(name);
    if (!current) throw new RangeError(`unknown service "${name}"`);
    this.profiles.set(name, { ...current, ...change });
  }

  /** Serves the requests of (time, to]: per service Poisson(rate × share × seconds) requests. */
  advance(to: number): void {
    if (to <= this.now) return;
    const seconds = (to - this.now) / 1000;
    const rate = this.options.requestsPerSecond((this.now + to) / 2);
    const total = Object.values(this.weights).reduce((a, b) => a + Math.max(0, b), 0);
    for (const profile of this.profiles.values()) {
      const share = total > 0 ? Math.max(0, this.weights[profile.name] ?? 0) / total : 0;
      const requests = this.options.rng.poisson(rate * share * seconds);
      const errors = this.options.rng.binomial(requests, profile.errorRatio);
      this.serve(profile, '500', errors);
      this.serve(profile, '200', requests - errors);
    }
    this.now = to;
  }

  private serve(profile: ServiceProfile, code: string, requests: number): void {
    if (requests === 0 && this.series.get(profile.name)?.get(code) === undefined) return;
    let byCode = this.series.get(profile.name);
    if (!byCode) this.series.set(profile.name, (byCode = new Map()));
    let state = byCode.get(code);
    if (!state) byCode.set(code, (state = { count: 0, sum: 0, buckets: this.buckets.map(() => 0) }));
    const mu = Math.log(profile.medianSeconds);
    for (let i = 0; i < requests; i++) {
      const seconds = Math.exp(mu + profile.sigma * this.options.rng.normal());
      state.count++;
      state.sum += seconds;
      for (let b = this.buckets.length - 1; b >= 0 && seconds <= this.buckets[b]; b--) state.buckets[b]++;
    }
  }

  /** Prometheus text format 0.0.4, as Traefik serves it on its metrics entry point. */
  exposition(): string {
    const lines: string[] = [
      '# HELP traefik_service_requests_total How many HTTP requests processed on a service, partitioned by status code, protocol, and method.',
      '# TYPE traefik_service_requests_total counter',
    ];
    const each = (fn: (labels: string, state: SeriesState) => void) => {
      for (const [service, byCode] of [...this.series].sort(([a], [b]) => a.localeCompare(b))) {
        for (const [code, state] of [...byCode].sort(([a], [b]) => a.localeCompare(b)))
          fn(`code="${code}",method="GET",protocol="http",service="${service}"`, state);
      }
    };
    each((labels, s) => lines.push(`traefik_service_requests_total{${labels}} ${s.count}`));
    lines.push(
      '# HELP traefik_service_request_duration_seconds How long it took to process the request on a service, partitioned by status code, protocol, and method.',
      '# TYPE traefik_service_request_duration_seconds histogram',
    );
    each((labels, s) => {
      this.buckets.forEach((le, i) =>
        lines.push(`traefik_service_request_duration_seconds_bucket{${labels},le="${le}"} ${s.buckets[i]}`),
      );
      lines.push(`traefik_service_request_duration_seconds_bucket{${labels},le="+Inf"} ${s.count}`);
      lines.push(`traefik_service_request_duration_seconds_sum{${labels}} ${s.sum}`);
      lines.push(`traefik_service_request_duration_seconds_count{${labels}} ${s.count}`);
    });
    lines.push(
      '# HELP traefik_service_server_up service server is up, described by gauge value of 0 or 1.',
      '# TYPE traefik_service_server_up gauge',
    );
    for (const name of [...this.profiles.keys()].sort())
      lines.push(`traefik_service_server_up{service="${name}",url="http://${name.replace(/@.*$/, '')}:8069"} 1`);
    return lines.join('\n') + '\n';
  }
}
