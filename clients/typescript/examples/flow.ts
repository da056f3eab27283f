/**
 * The whole client flow, type-checked under `strict` with no casts:
 * submit → wait → upscale → list → cancel → admin key rotate.
 * Run: `GATEWAY_URL=… GATEWAY_KEY=… ADMIN_TOKEN=… TENANT_ID=… KEY_ID=… npx tsx clients/typescript/examples/flow.ts`
 */
import { GatewayClient, GatewayError, type Task } from '../src/index.js';

export async function flow(client: GatewayClient, tenantId: string, keyId: string): Promise<{ gridImages: string[]; upscaled: Task; listed: number; canceled: Task | GatewayError; newKeyPrefix: string }> {
  const grid = await client.submit({ action: 'imagine', prompt: 'a lighthouse at dusk --ar 16:9' }, { waitSeconds: 30 });
  const done = await client.waitForTask(grid.id);
  // Narrowed by status: a failed or canceled task has its error, a succeeded one its output.
  if (done.status !== 'succeeded') throw new Error(`imagine ended ${done.status}: ${done.error.message}`);
  const gridImages = done.output.imageUrls;
  const upscaled = await client.waitForTask((await client.submit({ action: 'upscale', taskId: done.id, index: 1 })).id);
  let listed = 0;
  for await (const t of client.list({ status: 'succeeded', limit: 50 })) if (t.id === done.id || t.id === upscaled.id) listed++;
  const toCancel = await client.submit({ action: 'imagine', prompt: 'a task to cancel' });
  // Canceled while its provider runs it: final at once; the price the provider still charges is its cost.
  for await (const t of client.streamTask(toCancel.id)) if (t.status !== 'queued') break;
  const canceled = await client.cancel(toCancel.id).catch((err: unknown) => {
    // It may have finished first (or be in the middle of its submit): the typed error says so.
    if (err instanceof GatewayError && err.code === 'not_cancelable') return err;
    throw err;
  });
  const rotated = await client.admin.rotateKey(tenantId, keyId);
  return { gridImages, upscaled, listed, canceled, newKeyPrefix: rotated.prefix };
}

if (process.argv[1]?.endsWith('flow.ts')) {
  const env = (name: string) => process.env[name] ?? '';
  const client = new GatewayClient({ baseUrl: env('GATEWAY_URL') || 'http://127.0.0.1:8080', apiKey: env('GATEWAY_KEY'), adminToken: env('ADMIN_TOKEN') });
  const out = await flow(client, env('TENANT_ID'), env('KEY_ID'));
  console.log(`upscaled ${out.upscaled.id}; listed ${out.listed}; new key ${out.newKeyPrefix}…`);
}
