/**
 * The metric names a PromQL expression reads: a small tokenizer, not a parser. Enough to prove
 * that every series a panel queries exists in an exporter's real output.
 *
 * Contract: returns each name once, in order of appearance. A name is a bare identifier that is
 * not a keyword, not a function or aggregation (followed by `(`, or an aggregation operator
 * followed by `by`/`without`), not a label inside `by (…)`, `without (…)`, `on (…)`,
 * `ignoring (…)`, `group_left (…)`, `group_right (…)`, and not inside `{…}` or `[…]`; a
 * `{__name__="x"}` matcher also names `x`. Grafana variables (`$x`, `${x}`, `$__rate_interval`),
 * strings, numbers and durations are skipped. Throws `PromqlNameError` on an unterminated string,
 * brace or bracket.
 *
 * @example metricNamesInExpr('sum by (le) (rate(x_bucket{job="a"}[5m])) / on() y') // ['x_bucket', 'y']
 */
export class PromqlNameError extends Error {
  override readonly name = 'PromqlNameError';
}

const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2', ...LABEL_LIST_KEYWORDS]);

const IDENT_START = /[A-Za-z_:]/;
const IDENT_PART = /[A-Za-z0-9_:]/;

export function metricNamesInExpr(expr: string): string[] {
  const names: string[] = [];
  const add = (n: string): void => {
    if (!names.includes(n)) names.push(n);
  };
  let i = 0;
  const n = expr.length;

  const skipSpace = (from: number): number => {
    let j = from;
    while (j < n && /\s/.test(expr[j])) j++;
    return j;
  };
  /** index just past the string starting at `from` (a quote), and its unescaped value */
  const readString = (from: number): [number, string] => {
    const quote = expr[from];
    let j = from + 1;
    let value = '';
    while (j < n && expr[j] !== quote) {
      if (expr[j] === '\\' && quote !== '`') {
        value += expr[j + 1] ?? '';
        j += 2;
      } else value += expr[j++];
    }
    if (j >= n) throw new PromqlNameError(`unterminated string at ${from}: ${expr}`);
    return [j + 1, value];
  };
  /** index just past the matching `close`, skipping strings */
  const skipTo = (from: number, close: string): number => {
    let j = from + 1;
    while (j < n && expr[j] !== close)
      j = expr[j] === '"' || expr[j] === "'" || expr[j] === '`' ? readString(j)[0] : j + 1;
    if (j >= n) throw new PromqlNameError(`unterminated "${expr[from]}" at ${from}: ${expr}`);
    return j + 1;
  };
  /** label matchers `{a="x", __name__="y"}`: adds `__name__` values */
  const readMatchers = (from: number): number => {
    const end = skipTo(from, '}');
    const body = expr.slice(from + 1, end - 1);
    const re = /__name__\s*=\s*(["'`])((?:\\.|(?!\1).)*)\1/g;
    for (let m = re.exec(body); m; m = re.exec(body)) add(m[2].replace(/\\(.)/g, '$1'));
    return end;
  };

  while (i < n) {
    const c = expr[i];
    if (/\s/.test(c)) i++;
    else if (c === '#') while (i < n && expr[i] !== '\n') i++;
    else if (c === '"' || c === "'" || c === '`') i = readString(i)[0];
    else if (c === '{') i = readMatchers(i);
    else if (c === '[') i = skipTo(i, ']');
    else if (c === '$') {
      // Grafana variable: ${name[:format]} or $name
      if (expr[i + 1] === '{') i = skipTo(i + 1, '}');
      else {
        i++;
        while (i < n && IDENT_PART.test(expr[i])) i++;
      }
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(expr[i + 1] ?? ''))) {
      // numbers, hex, exponents and durations (5m, 1h30m)
      while (i < n && /[0-9A-Za-z_.]/.test(expr[i])) {
        if ((expr[i] === 'e' || expr[i] === 'E') && (expr[i + 1] === '+' || expr[i + 1] === '-')) i++;
        i++;
      }
    } else if (IDENT_START.test(c)) {
      const start = i;
      while (i < n && IDENT_PART.test(expr[i])) i++;
      const word = expr.slice(start, i);
      const next = skipSpace(i);
      const lower = word.toLowerCase();
      if (LABEL_LIST_KEYWORDS.has(lower)) {
        // group_left and group_right may stand without a list
        if (expr[next] === '(') i = skipTo(next, ')');
      } else if (expr[next] === '(' || AGGREGATIONS.has(lower) || KEYWORDS.has(lower)) {
        // function call, aggregation (with `by`/`without` after it) or keyword
      } else add(word);
    } else i++;
  }
  return names;
}
