/**
 * 10. Console: the size of the console's initial JavaScript (gzip), and the time to the first painted gallery card
 * with 500 tasks in the tenant's list. One ROLE=api + one ROLE=worker process; 500 imagines run to
 * their end first; then headless Chromium (Debian's, through playwright-core) opens /console/ signed in (the session
 * put in sessionStorage before the page loads) five times (three with --quick), each in a fresh context (cold cache).
 * "First card" is `performance.now()` when the first gallery card enters the DOM (a MutationObserver set up before
 * the page's own script), first contentful paint from the Paint Timing API. After the whole list is paged in, the
 * number of cards in the DOM shows the virtualised list at work.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureConsoleBuilt, haveChromium, launchBrowser, ROOT } from '../../test/helpers/chromium.js';
import { makePng } from '../../providers/sim/png.js';
import { TENANT_KEY } from '../lib/gateway.js';
import { above, type ScenarioResult } from '../lib/report.js';
import { addProcess, createStage, newTasks, stopStage, waitAllFinal, type Ctx } from '../lib/stage.js';
import { fmt, mapLimit, percentile } from '../lib/stats.js';

const JS_GOAL_KB = 200;
const PAINT_GOAL_MS = 1000;

/** Gzipped size of every script index.html loads (the initial JavaScript), in KB. */
function initialJsKb(): { kb: number; files: string[] } {
  const dir = join(ROOT, 'dist/console');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/src="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const bytes = files.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0);
  const all = readdirSync(join(dir, 'assets')).filter((f) => f.endsWith('.js')).length;
  return { kb: bytes / 1024, files: [...files, `(${all} script file(s) in assets)`] };
}

export async function runConsole(ctx: Ctx): Promise<ScenarioResult> {
  if (!haveChromium) throw new Error('S10 needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH)');
  ensureConsoleBuilt();
  const js = initialJsKb();
  const n = 500;
  const runs = ctx.quick ? 3 : 5;
  const stage = createStage(ctx, { name: 'console', pollsPerSecond: 100_000, maxConcurrency: 100 });
  const png = makePng(256, 256);
  const browser = await launchBrowser();
  try {
    const [{ client }] = await Promise.all([addProcess(ctx, stage, 'gw-console-api', 'api'), addProcess(ctx, stage, 'gw-console-worker', 'worker')]);
    await mapLimit(Array.from({ length: n }), 50, () => client!.submit());
    await waitAllFinal(ctx, stage, 120_000, 200);
    const paints: Array<{ card: number; fcp: number }> = [];
    let domCards = 0;
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addInitScript(`sessionStorage.setItem('mjg-console', ${JSON.stringify(JSON.stringify({ token: TENANT_KEY, role: 'tenant' }))});
        new MutationObserver((_, o) => { if (document.querySelector('.card')) { window.__firstCard = performance.now(); o.disconnect(); } })
          .observe(document, { childList: true, subtree: true });`);
      await context.route('https://cdn.legnext.sim/**', (r) => r.fulfill({ contentType: 'image/png', body: png }));
      const page = await context.newPage();
      await page.goto(`${client!.url}/console/`);
      await page.locator('.card').first().waitFor();
      paints.push(await page.evaluate(() => ({
        card: (window as unknown as { __firstCard: number }).__firstCard,
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      })));
      if (i === 0) {
        // Page the whole list in (scrolling to the end loads the next page), then count the cards rendered.
        for (let k = 0; k < 40 && !(await page.getByRole('heading', { name: new RegExp(`\\(${n}\\)`) }).count()); k++) {
          await page.mouse.wheel(0, 100_000);
          await page.waitForTimeout(150);
        }
        domCards = await page.locator('.card').count();
      }
      await context.close();
    }
    const cards = paints.map((p) => p.card).sort((a, b) => a - b);
    const fcps = paints.map((p) => p.fcp).sort((a, b) => a - b);
    const p50 = percentile(cards, 50);
    const verified = await newTasks(ctx, stage);
    return {
      id: 'S10',
      title: 'Console: initial JavaScript and first gallery paint',
      method: `${n} tasks of one tenant, all final; Chromium opens /console/ ${runs} times in fresh contexts (1400×900), signed in; the gallery fetches the first page (30 tasks) and pages in the rest as it is scrolled.`,
      tables: [{
        head: ['measure', 'value'],
        rows: [
          ['initial JavaScript (gzip -9)', `${fmt(js.kb, 1)} KB`],
          ['first card in the DOM, p50 / max', `${fmt(p50, 0)} ms / ${fmt(cards[cards.length - 1], 0)} ms`],
          ['first contentful paint, p50', `${fmt(percentile(fcps, 50), 0)} ms`],
          [`cards in the DOM with all ${n} tasks loaded (virtualised)`, String(domCards)],
        ],
      }],
      goals: [
        { what: 'initial JavaScript (gzip)', target: `< ${JS_GOAL_KB} KB`, measured: `${fmt(js.kb, 1)} KB`, ok: js.kb < JS_GOAL_KB, ...(js.kb >= JS_GOAL_KB ? { miss: above(js.kb, JS_GOAL_KB, 'KB') } : {}) },
        { what: `first gallery paint with ${n} tasks (p50)`, target: `< ${PAINT_GOAL_MS} ms`, measured: `${fmt(p50, 0)} ms`, ok: p50 < PAINT_GOAL_MS, ...(p50 >= PAINT_GOAL_MS ? { miss: above(p50, PAINT_GOAL_MS, 'ms') } : {}) },
      ],
      verified: { created: verified.created, statuses: verified.statuses, allFinal: verified.allFinal },
      notes: [`Scripts loaded by index.html: ${js.files.join(', ')}.`],
      raw: { js, paints, domCards, n },
    };
  } finally {
    await browser.close();
    await stopStage(ctx, stage);
  }
}
