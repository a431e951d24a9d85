/**
 * The retail day: a diurnal curve with a lunch peak and a larger evening peak (web shops peak
 * after work; stores at lunch and early evening), quiet nights, and promotion windows that
 * multiply traffic. Hours are UTC hours of the virtual clock (shift `start` for another zone).
 */
export interface Promotion {
  /** epoch ms */
  start: number;
  end: number;
  /** traffic multiplier while the promotion runs, e.g. 3 */
  factor: number;
}

/** Relative traffic at an hour of the day, 1 at the evening peak. */
export function diurnal(hourOfDay: number): number {
  const bump = (centre: number, width: number): number => Math.exp(-(((hourOfDay - centre) / width) ** 2));
  return Math.min(1, 0.08 + 0.55 * bump(12.5, 2.2) + 0.95 * bump(19.5, 2.4));
}

/** Traffic multiplier at `ms`: diurnal × every promotion running then. */
export function trafficAt(ms: number, promotions: readonly Promotion[]): number {
  const d = new Date(ms);
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60;
  let m = diurnal(hour);
  for (const p of promotions) if (ms >= p.start && ms < p.end) m *= p.factor;
  return m;
}
