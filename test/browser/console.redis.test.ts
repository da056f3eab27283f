/**
 * The web console in headless Chromium against a real gateway, workers, Redis and the Legnext simulator: a tenant
 * signs in, submits, sees the four images, upscales, varies a region, reads a failure; an admin sees providers and
 * circuits, issues and revokes a key, disables a tenant. Screenshots (1400 px and 390 px) go to $CONSOLE_SCREENSHOTS
 * (default: the OS temp dir); axe-core finds no serious or critical violation. The simulator's image CDN does not
 * exist: the browser is answered with real PNGs for it.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { ensureConsoleBuilt, haveChromium, launchBrowser, missingChromiumTest, seriousA11yViolations } from '../helpers/browser.js';
import { api, freePort, startGateway, TENANT_A_KEY, TENANT_B_KEY, type TestGateway } from '../helpers/gateway.js';
import { fetchBytes, MEDIA_SECRET, tempMediaDir } from '../helpers/media.js';
import { makePng } from '../../providers/sim/png.js';

missingChromiumTest('the console browser test');

const ADMIN = 'admin-token-0123456789abcdef';
const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? tmpdir();
const PNG = makePng(512, 512);

describe.runIf(haveChromium)('the console in a browser', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let browser: Browser;
  let store: Awaited<ReturnType<typeof tempMediaDir>>;

  beforeAll(async () => {
    ensureConsoleBuilt();
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    store = await tempMediaDir();
    const port = await freePort();
    gw = await startGateway({
      config: { adminToken: ADMIN, port, publicUrl: `http://127.0.0.1:${port}`, media: { store: 'local', dir: store.dir, signingSecret: MEDIA_SECRET, mirror: false } },
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }],
    });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await sim?.close();
    await store?.remove();
  });

  /** A page at the given width that fails the test on a CSP violation, with the simulator's CDN answered. */
  async function open(width: number): Promise<{ page: Page; cspErrors: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const cspErrors: string[] = [];
    page.on('console', (m) => { if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspErrors.push(m.text()); });
    await page.route('https://cdn.legnext.sim/**', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: PNG }));
    await page.goto(`${gw.url}/console`);
    return { page, cspErrors };
  }

  async function signIn(page: Page, secret: string) {
    await page.getByLabel('Tenant API key or admin token').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const loadedImages = (page: Page) => page.getByRole('list', { name: 'Images' }).getByRole('img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0).length);

  it('is served with a strict CSP and long-cached hashed assets', async () => {
    const index = await api(gw.url, 'GET', '/console/');
    expect(index.status).toBe(200);
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(index.body as string)![1]!;
    const js = await api(gw.url, 'GET', asset);
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await api(gw.url, 'GET', '/console')).status).toBe(301);
  });

  it('lets a tenant submit, see four images, upscale, vary a region and read a failure', async () => {
    const { page, cspErrors } = await open(1400);
    await signIn(page, TENANT_A_KEY);
    await page.getByLabel('Prompt', { exact: true }).fill('a lighthouse at dusk');
    await page.getByRole('button', { name: 'Imagine' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/Submitted tsk_/);
    await page.getByRole('link', { name: /imagine .*a lighthouse at dusk/ }).click();
    await page.getByRole('heading', { name: /imagine succeeded/ }).waitFor({ timeout: 20_000 });
    await expect.poll(() => loadedImages(page), { timeout: 10_000 }).toBe(4);
    await page.screenshot({ path: join(SHOTS, 'mjg-console-task-1400.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'U2' }).click();
    await page.getByRole('heading', { name: /upscale succeeded/ }).waitFor({ timeout: 20_000 });
    await expect.poll(() => loadedImages(page), { timeout: 10_000 }).toBe(1);
    const upscale = await api(gw.url, 'GET', `/v1/tasks/${/#\/task\/(tsk_\w+)/.exec(page.url())![1]}`, { key: TENANT_A_KEY });
    expect(upscale.body).toMatchObject({ action: 'upscale', status: 'succeeded', input: { index: 2 } });

    // Back to the grid: draw a region on image 3 and run vary region.
    await page.getByRole('link', { name: /^tsk_/ }).click();
    await page.getByRole('button', { name: 'Vary region 3' }).click();
    const stage = page.getByTestId('mask-stage');
    const box = (await stage.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.7, { steps: 5 });
    await page.mouse.up();
    await page.getByLabel('Prompt for the region (optional)').fill('a red door');
    await page.getByRole('button', { name: 'Run vary region' }).click();
    await page.getByRole('heading', { name: /inpaint succeeded/ }).waitFor({ timeout: 20_000 });
    const inpaint = await api(gw.url, 'GET', `/v1/tasks/${/#\/task\/(tsk_\w+)/.exec(page.url())![1]}`, { key: TENANT_A_KEY });
    const area = inpaint.body.input.mask.areas[0];
    expect(inpaint.body.input).toMatchObject({ index: 3, prompt: 'a red door' });
    expect(area).toMatchObject({ width: 512, height: 512 });
    // The drag went from 10 %/20 % to 60 %/70 % of the image (a few pixels of rounding either way).
    expect(area.points[0]).toBeGreaterThan(40);
    expect(area.points[0]).toBeLessThan(62);
    expect(area.points[4]).toBeGreaterThan(296);
    expect(area.points[5]).toBeGreaterThan(348);

    // A failed task says why.
    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.getByLabel('Prompt', { exact: true }).fill('a forbidden thing [sim:banned]');
    await page.getByRole('button', { name: 'Imagine' }).click();
    await page.getByRole('link', { name: /imagine .*a forbidden thing/ }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 20_000 }).toMatch(/Failed \(content_rejected\)/);
    expect(cspErrors).toEqual([]);
  }, 120_000);

  it('sends an image prompt chosen as a file through the media store', async () => {
    const { page, cspErrors } = await open(1400);
    await signIn(page, TENANT_A_KEY);
    await page.getByLabel('Prompt', { exact: true }).fill('a vase like this one');
    await page.getByLabel(/Image prompts: drop, paste or choose files/).setInputFiles({ name: 'vase.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('list', { name: 'Image prompts' }).getByRole('img', { name: 'Image prompt 1' }).waitFor();
    await page.getByRole('button', { name: 'Imagine' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/Submitted tsk_/);
    const id = /tsk_\w+/.exec((await page.getByRole('status').textContent())!)![0];
    const task = (await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: TENANT_A_KEY })).body;
    expect(task.input.imageUrls).toHaveLength(1);
    expect(task.input.imageUrls[0]).toMatch(new RegExp(`^${gw.url}/media/med_`));
    expect((await fetchBytes(task.input.imageUrls[0])).body.equals(PNG)).toBe(true);
    expect(cspErrors).toEqual([]);
  }, 60_000);

  it('fits a phone width and passes the accessibility scan there', async () => {
    const { page } = await open(390);
    await signIn(page, TENANT_A_KEY);
    await page.getByRole('heading', { name: /Your tasks/ }).waitFor();
    // The newest task; older ones further down are rendered only when scrolled near (the list is virtualised).
    await page.getByRole('link', { name: /imagine .*a vase like this one/ }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SHOTS, 'mjg-console-gallery-390.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Usage: this month by action, and the last 14 days one bar each, today's with the tasks of the tests above.
    await page.getByRole('link', { name: 'Usage' }).click();
    const byAction = page.getByRole('figure', { name: 'Tasks by action' });
    await expect.poll(() => byAction.getByRole('listitem').filter({ hasText: 'imagine' }).textContent()).toMatch(/imagine\s*\d+/);
    const byDay = page.getByRole('figure', { name: /Tasks by day/ }).getByRole('listitem');
    await expect.poll(() => byDay.count()).toBe(14);
    expect(await byDay.last().textContent()).toMatch(new RegExp(`${new Date().toISOString().slice(5, 10)}\\s*[1-9]`));
    expect(await seriousA11yViolations(page)).toEqual([]);
  }, 60_000);

  it('lets an admin see providers and circuits, issue and revoke a key, and disable a tenant', async () => {
    const { page, cspErrors } = await open(1400);
    await signIn(page, ADMIN);
    const row = page.getByRole('row', { name: /legnext-main/ });
    await expect.poll(() => row.textContent()).toMatch(/closed/);
    for (let i = 0; i < 5; i++) await gw.rt.circuits.record('legnext-main', 'unavailable');
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/open \(unavailable\)/);
    await page.screenshot({ path: join(SHOTS, 'mjg-console-providers-1400.png'), fullPage: true });

    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('button', { name: 'Issue key for tenant-a' }).click();
    const shown = page.getByRole('alert').filter({ hasText: 'shown this once' }).locator('code');
    const key = (await shown.textContent())!;
    expect(key).toMatch(/^mjg_live_/);
    expect((await api(gw.url, 'GET', '/v1/tasks', { key })).status).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: `Revoke ${key.slice(0, 13)}` }).click();
    await expect.poll(async () => (await api(gw.url, 'GET', '/v1/tasks', { key })).status, { timeout: 10_000 }).toBe(401);

    await page.getByRole('button', { name: 'Disable tenant-b' }).click();
    await page.getByRole('button', { name: 'Enable tenant-b' }).waitFor();
    const refused = await api(gw.url, 'GET', '/v1/tasks', { key: TENANT_B_KEY });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('tenant_disabled');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Queues, with the recent failures of every tenant and their cause (the banned imagine of the tenant test).
    await page.getByRole('link', { name: 'Queues' }).click();
    await expect.poll(() => page.getByRole('row', { name: /submissions/ }).count()).toBe(1);
    await expect.poll(() => page.getByRole('listitem').filter({ hasText: 'tenant-a, imagine' }).textContent(), { timeout: 10_000 }).toMatch(/content_rejected/);
    expect(cspErrors).toEqual([]);
  }, 60_000);
});
