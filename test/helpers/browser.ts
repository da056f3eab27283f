/**
 * Headless Chromium for the browser tests (Debian's /usr/bin/chromium driven by playwright-core), and the console
 * build they need. Where Chromium is missing the tests skip, saying so, except under CI (`CI` set), where
 * `missingChromiumTest` makes the suite fail.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { CHROMIUM, haveChromium } from './chromium.js';

export { CHROMIUM, ensureConsoleBuilt, haveChromium, launchBrowser } from './chromium.js';

const inCi = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());
const missing = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;

/** Registers the test that fails under CI when Chromium is missing (and warns elsewhere); call at a file's top level. */
export function missingChromiumTest(what: string): void {
  if (!haveChromium && !inCi) console.warn(`${what} skipped: ${missing}`);
  it.runIf(!haveChromium && inCi)(`has Chromium for ${what} under CI`, () => {
    expect.fail(`${what} cannot run under CI: ${missing}`);
  });
}

/** Runs axe-core in the page; the serious and critical violations, as `rule: targets` lines. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated over the DevTools protocol, which the page's CSP does not govern (an injected <script> would be refused).
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown }> }> }> } }).axe;
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.targets.join(', ')}`);
}
