/**
 * Log scan: a whole session at `trace` level (admin calls, keys issued and used, wrong credentials, a task with a
 * signed webhook) must never print a tenant key, the admin token, a provider key or a webhook secret.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { REDACT_PATHS } from '../../src/logger.js';
import { api, sleep, startGateway, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const SECRETS = {
  admin: 'admin-token-logscan-0123456789',
  tenantKey: 'tenant-key-logscan-0123456789',
  provider: 'provider-key-logscan-0123456789',
  fileSecret: 'whsec-file-logscan-0123456789',
  adminSecret: 'whsec-admin-logscan-0123456789',
};

describe('the logs', () => {
  const lines: string[] = [];
  let sim: Simulator;
  let rx: Receiver;
  let gw: TestGateway;

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: SECRETS.provider });
    sim.state.behaviour.jobDurationMs = 150;
    rx = await startReceiver();
    const sink = new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) });
    // Headers are logged on purpose here: redaction, not omission, must keep the secrets out.
    const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers: { req: (r) => ({ method: r.method, url: r.url, headers: r.headers }) } }, sink);
    gw = await startGateway({
      logger,
      config: { adminToken: SECRETS.admin },
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: SECRETS.provider, baseUrl: `${sim.url}/api` }],
      tenants: [{ id: 'scan', apiKeys: [SECRETS.tenantKey], webhookSecret: SECRETS.fileSecret }],
    });
  });
  afterAll(async () => {
    await gw?.close();
    await rx?.close();
    await sim?.close();
  });

  it('never contain a key, the admin token, a provider key or a webhook secret', async () => {
    const admin = (method: string, path: string, body?: unknown) => api(gw.url, method, path, { key: SECRETS.admin, body });
    await admin('POST', '/admin/tenants', { id: 'made', webhookSecret: SECRETS.adminSecret, webhookUrl: `${rx.url}/made` });
    const issued = (await admin('POST', '/admin/tenants/made/keys')).body;
    const rotated = (await admin('POST', `/admin/tenants/made/keys/${issued.id}/rotate`)).body;
    await admin('PATCH', '/admin/tenants/made', { webhookSecret: SECRETS.adminSecret, colour: 'red' });
    await api(gw.url, 'GET', '/admin/tenants', { key: SECRETS.tenantKey });
    await api(gw.url, 'GET', '/admin/tenants', { headers: { authorization: `Bearer ${SECRETS.admin}x` } });

    const t1 = await api(gw.url, 'POST', '/v1/tasks', { key: SECRETS.tenantKey, body: { action: 'imagine', prompt: 'scan', callbackUrl: `${rx.url}/scan` } });
    const t2 = await api(gw.url, 'POST', '/v1/tasks', { headers: { 'x-api-key': rotated.key }, body: { action: 'imagine', prompt: 'made' } });
    await api(gw.url, 'GET', '/v1/tasks', { key: issued.key });
    await api(gw.url, 'POST', '/v1/tasks', { key: SECRETS.tenantKey, raw: '{"action":' });
    await waitForTask(gw.url, SECRETS.tenantKey, t1.body.id);
    await waitForTask(gw.url, rotated.key, t2.body.id);
    // Both tasks' signed webhooks, down to the final one. (A `running` event is only sent when a read saw the job
    // running: a read that comes late finds it done already, so the count of deliveries is not fixed.)
    const delivered = (path: string) => rx.received.some((h) => h.path === path && h.headers['x-mjg-event'] === 'succeeded');
    for (let i = 0; i < 250 && !(delivered('/scan') && delivered('/made')); i++) await sleep(20);
    expect(rx.received.map((h) => `${h.path} ${String(h.headers['x-mjg-event'])}`)).toEqual(expect.arrayContaining(['/scan succeeded', '/made succeeded']));

    const output = lines.join('');
    if (process.env.DUMP_LOGS) console.log(output);
    expect(output).toContain('[redacted]');
    expect(output).toContain('task transition');
    for (const [name, secret] of Object.entries({ ...SECRETS, issued: issued.key, rotated: rotated.key })) {
      expect(output.includes(secret), `${name} appears in the logs`).toBe(false);
    }
  });
});
