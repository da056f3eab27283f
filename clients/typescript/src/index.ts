/** `@mj-gateway/client`: the typed client, its errors, the webhook check and the API's types. */
export { GatewayClient, type ClientOptions, type WaitOptions } from './client.js';
export { GatewayError } from './errors.js';
export { verifyWebhook } from './webhook.js';
export { readEvents, type ServerEvent } from './sse.js';
export * from './types.js';
export type { components, operations, paths } from './schema.js';
