/** The OpenAPI document as the app generates it from its zod schemas (no Redis needed: routes are only registered). */
import { buildApp } from './app.js';
import { parseConfig } from './config.js';
import type { Runtime } from './runtime.js';

export async function generateOpenApi(): Promise<string> {
  const docsOnly = { config: parseConfig('', {}) } as unknown as Runtime;
  const app = await buildApp(docsOnly, { logger: false });
  const doc = app.swagger();
  await app.close();
  return `${JSON.stringify(doc, null, 2)}\n`;
}
