/**
 * The Swagger UI in a real browser: open /docs in headless Chromium, authorize with a tenant key, and submit a task
 * through "Try it out". Needs Debian's chromium (.ci/run installs it); skipped, saying so, where it is missing, except
 * under CI (`CI` set), where a missing Chromium fails the suite.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { haveChromium, launchBrowser, missingChromiumTest } from '../helpers/browser.js';
import { startGateway, TENANT_A_KEY, type TestGateway } from '../helpers/gateway.js';

// Under CI the browser test must run: a missing Chromium is a failure, not a skip.
missingChromiumTest('the docs UI browser test');

describe.runIf(haveChromium)('the docs UI in a browser', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }] });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await sim?.close();
  });

  it('submits a task through "Try it out" with a tenant key and shows its id', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/docs`);
    await page.getByRole('button', { name: /authorize/i }).first().click();
    const tenantAuth = page.locator('.modal-ux .auth-container', { hasText: 'Tenant API key' });
    await tenantAuth.locator('input').first().fill(TENANT_A_KEY);
    await tenantAuth.locator('button.authorize').click();
    await page.locator('.modal-ux button.btn-done').first().click();

    const op = page.locator('.opblock-post').filter({ has: page.locator('.opblock-summary-path[data-path="/v1/tasks"]') });
    await op.locator('.opblock-summary').click();
    await op.getByRole('button', { name: /try it out/i }).click();
    await op.locator('textarea.body-param__text').fill(JSON.stringify({ action: 'imagine', prompt: 'a kite over the sea' }));
    await op.getByRole('button', { name: /execute/i }).click();

    const body = op.locator('.live-responses-table .response-col_description pre').first();
    await expect.poll(async () => (await body.textContent()) ?? '', { timeout: 10_000 }).toMatch(/"id": "tsk_[0-9A-Z]{34}"/);
    const status = await op.locator('.live-responses-table tbody .response-col_status').first().textContent();
    expect(status?.trim()).toBe('202');
    await op.screenshot({ path: process.env.DOCS_SCREENSHOT ?? '/tmp/mjg-docs-ui.png' });
  }, 60_000);
});
