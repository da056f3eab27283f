/** Schemas of `POST /admin/tenants/{id}/webhook-test`. */
import { z } from 'zod';

export const webhookTestBodySchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048).optional().describe("Where to send it (default: the tenant's webhookUrl)"),
});

export const webhookTestResultSchema = z
  .object({
    url: z.string(),
    eventId: z.string().describe('X-MJG-Event-Id of the test event'),
    statusCode: z.number().nullable().describe("The receiver's HTTP status; null when no answer came"),
    error: z.string().nullable().describe('null when the receiver answered 2xx'),
    durationMs: z.number(),
  })
  .meta({ id: 'WebhookTestResult' });
