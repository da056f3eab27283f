/** The OpenAPI document as the app generates it from its zod schemas (an offline runtime: routes are only registered). */
import { pino } from 'pino';
import { buildApp } from './app.js';
import { parseConfig } from './config.js';
import { createRuntime } from './runtime.js';

export async function generateOpenApi(): Promise<string> {
  const rt = await createRuntime(parseConfig('', {}), pino({ level: 'silent' }), { offline: true });
  const app = await buildApp(rt, { logger: false });
  const doc = app.swagger();
  await app.close();
  await rt.close();
  return `${JSON.stringify(doc, null, 2)}\n`;
}
