/**
 * The scorecard page and the other formats: structure, every figure where a reader looks for it,
 * and hostile release data (ids are API input) rendered as text, never as markup or formulas.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeScorecard } from './compute.ts';
import { escapeHtml } from './format.ts';
import { renderScorecardPage } from './page.ts';
import { csvField, renderScorecard, UnknownFormatError } from './render.ts';
import type { ScorecardFormat } from './render.ts';
import { seededHistory } from './testing/history.ts';

function figuresIn(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/data-figure="([^"]+)"[^>]*>([^<]*)</g)) out.set(m[1], m[2]);
  return out;
}

test('the page shows the hand-computed overall figures', () => {
  const html = renderScorecardPage(computeScorecard(seededHistory()));
  const f = figuresIn(html);
  assert.equal(f.get('overall.releases'), '4');
  assert.equal(f.get('overall.changeFailureRate'), '75.0%');
  assert.equal(f.get('overall.medianTimeToVerdictMs'), '10.0 min');
  assert.equal(f.get('overall.medianTimeToRestoreMs'), '2.5 min');
  assert.equal(f.get('overall.ordersProtected'), '670');
  assert.equal(f.get('overall.checkoutMinutesProtected'), '103.8');
  assert.equal(f.get('environment:prod.changeFailureRate'), '100.0%');
  assert.equal(f.get('releaseClass:standard.changeFailureRate'), '50.0%');
  assert.equal(f.get('month:2026-02.deploymentsPerWeek'), '2.00');
  assert.equal(f.get('release:rel-d.timeToRestoreMs'), '4.0 min');
});

test('self-contained, printable, no script', () => {
  const html = renderScorecardPage(computeScorecard(seededHistory()), { generatedAt: Date.UTC(2026, 2, 9) });
  assert.ok(html.startsWith('<!doctype html>'));
  assert.ok(!/<script|<link|src=|@import|url\(/i.test(html), 'no script, no external resource');
  assert.match(html, /@media print/);
  assert.match(html, /@page/);
  assert.equal(
    (html.match(/<svg /g) ?? []).length,
    6,
    "DORA's four keys per week (phone-sized already) and the bars per class, wide and narrow",
  );
  // every chart fits a phone: the narrow layouts are 340 px, the weekly charts too
  const narrowWidths = [...html.matchAll(/<div class="chart-narrow"><svg [^>]*width="(\d+)"/g)].map((m) =>
    Number(m[1]),
  );
  assert.deepEqual(narrowWidths, [340]);
  // every release row opens its page; text is never below 12 px in a chart
  for (const id of ['rel-a', 'rel-b', 'rel-c', 'rel-d'])
    assert.ok(html.includes(`<a href="releases/${id}">${id}</a>`), id);
  const sizes = [...html.matchAll(/font-size="(\d+(?:\.\d+)?)"/g)].map((m) => Number(m[1]));
  assert.ok(sizes.length > 20 && Math.min(...sizes) >= 12, `chart font sizes ${[...new Set(sizes)].join(', ')}`);
  assert.match(html, /generated 2026-03-09T00:00:00Z/);
});

test('hostile ids and services are escaped everywhere (HTML, SVG, CSV, Markdown)', () => {
  const h = seededHistory();
  const evil = `<img src=x onerror=alert(1)>"'&`;
  const r0 = h.releases[0];
  h.releases[0] = {
    ...r0,
    release: { ...r0.release, id: evil, service: `=HYPERLINK("http://evil")|`, class: 'standard' },
  };
  h.verdicts[evil] = h.verdicts[r0.release.id].map((v) => ({ ...v, releaseId: evil }));
  const card = computeScorecard(h);
  const html = renderScorecard(card, 'html');
  assert.ok(!html.includes('<img'), 'no injected element');
  assert.ok(html.includes(escapeHtml(evil)), 'the id is shown as text');
  assert.ok(!/onerror=alert\(1\)>"/.test(html));
  const csv = renderScorecard(card, 'csv');
  assert.ok(csv.includes(`service,"'=HYPERLINK(""http://evil"")|"`), csv);
  const md = renderScorecard(card, 'md');
  assert.ok(md.includes('=HYPERLINK("http://evil")\\|'), 'pipe escaped in Markdown');
  assert.equal(escapeHtml(`<a href="x">'&`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;');

  // a hostile release class reaches the SVG bar labels and the caveats (unknown class warning)
  const h2 = seededHistory();
  const r1 = h2.releases[1];
  h2.releases[1] = { ...r1, release: { ...r1.release, class: '<svg onload=alert(2)>' } };
  const html2 = renderScorecard(computeScorecard(h2), 'html');
  assert.ok(!html2.includes('<svg onload'), 'class escaped in charts, tables and caveats');
  assert.ok(html2.includes('&lt;svg onload=alert(2)&gt;'));
  assert.equal(csvField('-1+1'), "'-1+1");
  assert.equal(csvField(null), '');
});

test('json round-trips, csv has a row per scope, unknown formats are refused', () => {
  const card = computeScorecard(seededHistory());
  assert.deepEqual(JSON.parse(renderScorecard(card, 'json')), JSON.parse(JSON.stringify(card)));
  const lines = renderScorecard(card, 'csv').trim().split('\r\n');
  // header + overall + 2 environments + 2 services + 3 tiers + 3 classes + 2 months
  assert.equal(lines.length, 1 + 1 + 2 + 2 + 3 + 3 + 2);
  // the lead time (4 h = 14,400,000 ms) comes after the time to restore
  assert.equal(lines[1], 'overall,,4,2,0.75,2,1,600000,150000,14400000,670,103.75,2,1');
  assert.match(renderScorecard(card, 'md'), /\| all releases \| 4 \| 2.00 \| 75.0% \|/);
  assert.throws(() => renderScorecard(card, 'pdf' as ScorecardFormat), UnknownFormatError);
});
