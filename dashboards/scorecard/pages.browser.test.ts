/**
 * The gate's pages in a real browser (Debian's Chromium via playwright-core, as in
 * page.browser.test.ts), served by a real gate over a PGlite store holding the demo's 13-week
 * history: `/`, `/scorecards` and a rolled-back and a promoted release's page. For each, at
 * desktop (1280 px) and phone (390 px) widths:
 *  - axe-core (the accessibility engine of Lighthouse and Deque's tools) finds no violation;
 *  - no text is drawn below 12 px (HTML computed sizes; SVG charts are never scaled down: a chart
 *    wider than a phone shows its narrow layout there), neither the page nor any chart scrolls
 *    sideways on a phone, and every chart is drawn (one layout of each, at each width);
 *  - a screenshot is saved to test-artifacts/pages/ for a human to look at.
 * Without Chromium: skipped locally, naming the script that installs it; a failure under CI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { seedHistory } from '../../cli/demo/history.ts';
import { STORY_START } from '../../cli/demo/story.ts';
import { startHarness, TOKENS } from '../../gate/testing/harness.ts';
import { loadScorecard } from './load.ts';
import { renderScorecardPage } from './page.ts';

const CHROMIUM = process.env.RH_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/pages/', import.meta.url).pathname;
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = { desktop: 1280, phone: 390 } as const;

interface AxeResult {
  violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
}

test(
  'index, scorecard and release pages: no axe-core violation, text ≥ 12 px, legible on a phone; screenshots saved',
  { timeout: 300_000 },
  async (t) => {
    if (!existsSync(CHROMIUM)) {
      const message = `${CHROMIUM} missing: run bash scripts/services/chromium.sh`;
      if (inCI) assert.fail(message);
      t.skip(message);
      return;
    }
    const period = { from: STORY_START - 91 * 86_400_000, to: STORY_START };
    const h = await startHarness({
      clock: () => STORY_START,
      scorecardPage: async () =>
        renderScorecardPage(await loadScorecard(h.store, period), { generatedAt: STORY_START }),
    });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    try {
      await seedHistory(h.store, STORY_START);
      const releases = await h.store.listReleases({ limit: 1000 });
      const rolledBack = releases.find((r) => r.decision === 'rollback' && r.release.service === 'odoo');
      const promoted = releases.find((r) => r.decision === 'promote' && r.release.canaryWeight !== undefined);
      assert.ok(rolledBack && promoted, 'the history has both kinds');
      const pages = {
        index: '/',
        scorecard: '/scorecards',
        'release-rollback': `/releases/${rolledBack.release.id}`,
        'release-promote': `/releases/${promoted.release.id}`,
      };
      await mkdir(ARTIFACTS, { recursive: true });
      const problems: string[] = [];
      for (const [width, px] of Object.entries(WIDTHS)) {
        const context = await browser.newContext({
          viewport: { width: px, height: 900 },
          extraHTTPHeaders: { authorization: `Bearer ${TOKENS.reader}` },
        });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('console', (m) => {
          // the browser's own favicon request is the gate's 404, not the page's
          if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico'))
            errors.push(`${m.text()} ${m.location().url}`);
        });
        for (const [name, path] of Object.entries(pages)) {
          const response = await page.goto(h.url + path);
          assert.equal(response?.status(), 200, `${name} ${path}`);
          // axe runs through the DevTools protocol: the page's CSP (no script at all) stays as served
          const result = (await page.evaluate(
            `${AXE}\n;axe.run(document, { resultTypes: ['violations'] })`,
          )) as AxeResult;
          for (const v of result.violations)
            problems.push(
              `${name}@${width}: axe ${v.id} (${v.impact}) ${v.help} — ${v.nodes
                .slice(0, 3)
                .map((n) => n.target.join(' '))
                .join(', ')}`,
            );
          const legibility = await page.evaluate(() => {
            const small: string[] = [];
            for (const el of Array.from(document.querySelectorAll('body *'))) {
              if (!(el instanceof HTMLElement) || !el.innerText?.trim() || el.children.length > 0) continue;
              const size = parseFloat(getComputedStyle(el).fontSize);
              if (size < 12) small.push(`${el.tagName} ${size}px "${el.innerText.slice(0, 30)}"`);
            }
            let charts = 0;
            for (const svg of Array.from(document.querySelectorAll('svg.chart'))) {
              // the other layout of a responsive chart is not displayed at this width
              if (svg.getClientRects().length === 0) continue;
              charts++;
              const drawn = svg.getBoundingClientRect().width;
              const declared = Number(svg.getAttribute('width'));
              if (Math.abs(drawn - declared) > 1)
                small.push(
                  `svg "${svg.getAttribute('aria-label')}" drawn ${drawn}px wide, declared ${declared}px: its text is scaled`,
                );
              for (const text of Array.from(svg.querySelectorAll('text'))) {
                const size = parseFloat(getComputedStyle(text).fontSize);
                if (size < 12) small.push(`svg text ${size}px "${text.textContent?.slice(0, 30)}"`);
              }
            }
            const scrolling = Array.from(document.querySelectorAll('.chart-wrap'))
              .filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1)
              .map(
                (wrap) =>
                  `chart "${wrap.getAttribute('aria-label')}" scrolls sideways (${wrap.scrollWidth} px in ${wrap.clientWidth} px)`,
              );
            const layouts = document.querySelectorAll('.chart-wide, .chart-narrow').length / 2;
            return {
              small,
              scrolling,
              charts,
              // every chart either has one layout, or two of which exactly one is displayed
              expectedCharts: document.querySelectorAll('svg.chart').length - layouts,
              sideways: document.documentElement.scrollWidth > window.innerWidth + 1,
            };
          });
          for (const s of legibility.scrolling) problems.push(`${name}@${width}: ${s}`);
          if (legibility.charts !== legibility.expectedCharts)
            problems.push(`${name}@${width}: ${legibility.charts} charts drawn, ${legibility.expectedCharts} expected`);
          for (const s of legibility.small.slice(0, 5)) problems.push(`${name}@${width}: ${s}`);
          if (legibility.sideways) problems.push(`${name}@${width}: the page scrolls sideways`);
          await page.screenshot({ path: `${ARTIFACTS}${name}-${width}.png`, fullPage: name !== 'scorecard' });
        }
        assert.deepEqual(errors, [], `console errors at ${width}`);
        await context.close();
      }
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await h.close();
    }
  },
);
