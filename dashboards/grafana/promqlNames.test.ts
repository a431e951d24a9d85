import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricNamesInExpr, PromqlNameError } from './promqlNames.ts';

// Each case: expression → the names a reader of the PromQL grammar
// (prometheus/promql/parser/lex.go: identifiers, keywords, strings, durations) finds in it.
const CASES: [string, string[]][] = [
  ['up', ['up']],
  ['rate(http_requests_total{job="api", path=~"/a|/b"}[5m])', ['http_requests_total']],
  ['histogram_quantile(0.95, sum by (le, service) (rate(x_bucket{service=~"$svc"}[$__rate_interval])))', ['x_bucket']],
  ['sum without (instance) (a) / on (job) group_left (version) b', ['a', 'b']],
  ['a / ignoring(code) group_left b', ['a', 'b']],
  ['topk(10, sum by (cmd) (rate(c_total[1m])) / sum by (cmd) (rate(d_total[1m])))', ['c_total', 'd_total']],
  ['count(count by (tenant) (e{tenant!~"x|y"})) > bool 0 and f offset 1h30m', ['e', 'f']],
  ['{__name__="g", job="h"} or {__name__=~"ignored.*"}', ['g']],
  ['sum(i{label="a } [ ( quoted"}) unless j @ start()', ['i', 'j']],
  ['k:recording:rule * 1e-3 + 0x1F - .5 + Inf - NaN', ['k:recording:rule']],
  ['max_over_time(l[10m:1m]) # trailing comment with m_not_a_name', ['l']],
  ['${var:regex} + $other + n{a=`raw \\ string`}', ['n']],
  ['sum by (le) (o) + sum(o)', ['o']],
];

test('metricNamesInExpr finds exactly the series names', () => {
  for (const [expr, names] of CASES) assert.deepEqual(metricNamesInExpr(expr), names, expr);
});

test('metricNamesInExpr rejects unterminated strings, braces and brackets', () => {
  for (const bad of ['a{b="c}', 'rate(a[5m)', 'a{b="c"', "x{y='z}"]) {
    assert.throws(() => metricNamesInExpr(bad), PromqlNameError, bad);
  }
});
