import { loadScorecard, renderScorecardPage } from '../dashboards/index.ts';
import { InputError } from '../analyzer/inputError.ts';
import type { Store } from '../store/index.ts';

/** `GET /scorecards`: the leadership page over `from`..`to` (default the last 90 days). */
export function scorecardPageOf(store: Store, clock: () => number) {
  return async (query: Record<string, string>): Promise<string> => {
    const to = query.to ? Date.parse(query.to) : clock();
    const from = query.from ? Date.parse(query.from) : to - 90 * 86_400_000;
    if (!Number.isFinite(from) || !Number.isFinite(to))
      throw new InputError('scorecards', undefined, 'from/to must be RFC 3339 dates');
    return renderScorecardPage(await loadScorecard(store, { from, to }), { generatedAt: clock() });
  };
}
