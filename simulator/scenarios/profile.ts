/**
 * The shared load profile of a scenario: per minute, how much traffic the shop gets and how much
 * slower it answers. Both cohorts see the same profile — the diurnal ramp and promotion spikes
 * hit the whole shop — so a judge comparing canary with baseline over the same minutes must not
 * mistake them for a regression, while a judge comparing with an earlier window would.
 */
import type { Rng } from '../../analyzer/stats/seededRandom.ts';
import type { Diurnal, Spikes } from './options.ts';

export interface MinuteLoad {
  /** traffic multiplier for this minute (1 = the configured rates) */
  traffic: number;
  /** latency multiplier for this minute */
  latency: number;
  /** true inside a promotion spike */
  spike: boolean;
}

export function makeProfile(rng: Rng, minutes: number, diurnal: Diurnal, spikes: Spikes): MinuteLoad[] {
  const direction = diurnal.direction ?? (rng.next() < 0.5 ? 1 : -1);
  const inSpike = new Array<boolean>(minutes).fill(false);
  for (let i = 0; i < spikes.count; i++) {
    // spikes may overlap; an overlap is one longer spike, not a 9× surge
    const start = Math.floor(rng.next() * (minutes - spikes.minutes + 1));
    for (let m = start; m < start + spikes.minutes; m++) inSpike[m] = true;
  }
  return inSpike.map((spike, m) => {
    // linear over the window, evaluated mid-minute: an hour is a short stretch of a daily sine
    const progress = (m + 0.5) / minutes;
    const traffic = 1 + direction * diurnal.trafficDrift * progress;
    const latency = 1 + direction * diurnal.latencyDrift * progress;
    return {
      traffic: traffic * (spike ? spikes.traffic : 1),
      latency: latency * (spike ? spikes.latency : 1),
      spike,
    };
  });
}
