/**
 * The finishing pass over the OpenAPI document the routes generate: what zod schemas cannot say. Operation ids,
 * response descriptions, declared headers, a `default` error answer, the event stream's media type, examples,
 * servers and licence; unused components dropped. Applied to `/openapi.json` and the committed copy alike.
 */
import { existsSync, readFileSync } from 'node:fs';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   an OpenAPI document is free-form JSON, walked here by key */
type Json = Record<string, any>;

/** package.json (version, licence), from src/ (tsx) or dist/src/ (the build). */
function packageInfo(): { version: string; license?: string } {
  for (const rel of ['../package.json', '../../package.json']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(url)) return JSON.parse(readFileSync(url, 'utf8')) as { version: string; license?: string };
  }
  return { version: '0.0.0' };
}

const OPERATION_IDS: Record<string, string> = {
  'GET /healthz': 'getHealth', 'GET /readyz': 'getReadiness', 'GET /metrics': 'getMetrics',
  'POST /v1/tasks': 'submitTask', 'GET /v1/tasks': 'listTasks', 'GET /v1/tasks/{id}': 'getTask',
  'GET /v1/tasks/{id}/events': 'streamTaskEvents', 'POST /v1/tasks/{id}/cancel': 'cancelTask',
  'GET /v1/tasks/{id}/deliveries': 'listDeliveries', 'GET /v1/providers': 'listProviders',
  'POST /v1/callbacks/{providerId}/{token}': 'receiveProviderCallback', 'GET /v1/usage': 'getUsage',
  'POST /admin/tenants': 'createTenant', 'GET /admin/tenants': 'listTenants', 'GET /admin/tenants/{id}': 'getTenant',
  'PATCH /admin/tenants/{id}': 'updateTenant', 'GET /admin/tasks/by-upstream/{providerId}/{upstreamId}': 'findTaskByUpstream',
  'POST /admin/tenants/{id}/keys': 'issueKey', 'DELETE /admin/tenants/{id}/keys/{keyId}': 'revokeKey',
  'POST /admin/tenants/{id}/keys/{keyId}/rotate': 'rotateKey',
  'POST /v1/tasks/{id}/deliveries/{eventId}/redeliver': 'redeliverEvent', 'POST /admin/tenants/{id}/webhook-test': 'sendWebhookTest',
};

/** `GET /v1/tasks/{id}/events` → `getV1TasksIdEvents`, for a route added without an entry above. */
const derivedId = (method: string, path: string) =>
  method + path.split(/[/{}_-]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');

const DESCRIPTIONS: Record<string, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content',
  400: 'The request is invalid: the message says what to fix', 401: 'No valid key was presented',
  402: 'The tenant\'s monthly budget would be passed', 403: 'Not allowed for this key or tenant',
  404: 'Not found (or not the tenant\'s)', 405: 'The path does not take this method (see Allow)',
  409: 'Conflicts with the current state', 413: 'The body is larger than the limit', 415: 'Send the body as application/json',
  422: 'No enabled provider can run this', 429: 'Rate limited: retry after Retry-After seconds', 503: 'Unavailable: retry shortly',
};

const header = (description: string, schema: Json = { type: 'string' }) => ({ description, schema });
const HEADERS: Json = {
  RequestId: header('The request id (echoes x-request-id when the client sent one)'),
  RateLimitLimit: header('Requests allowed per minute', { type: 'integer' }),
  RateLimitRemaining: header('Requests left in the current window', { type: 'integer' }),
  RateLimitReset: header('Seconds until the window frees a request', { type: 'integer' }),
  RetryAfter: header('Seconds to wait before retrying', { type: 'integer' }),
  Location: header('Where the task can be read: /v1/tasks/{id}'),
  IdempotentReplayed: header('`true` when this answer replays an earlier submit with the same Idempotency-Key', { type: 'string', enum: ['true'] }),
  PreferenceApplied: header('`wait=N` when a Prefer: wait was honoured (N capped at 60)'),
};
const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });

const TAGS = [
  { name: 'tasks', description: 'Submit, read, wait for, stream, list and cancel tasks' },
  { name: 'providers', description: 'Configured providers and their health' },
  { name: 'usage', description: 'Counts and cost' },
  { name: 'callbacks', description: 'Where providers report (not for clients)' },
  { name: 'health', description: 'Liveness, readiness, metrics' },
  { name: 'admin', description: 'Tenants and keys (adminToken)' },
  { name: 'media', description: 'Image uploads and signed links to stored images' },
  { name: 'midjourney-proxy', description: 'The midjourney-proxy protocol (/mj), for clients that speak it' },
];

const SUBMIT_EXAMPLE = { action: 'imagine', prompt: 'a lighthouse at dusk, volumetric light --ar 16:9 --v 7', speed: 'fast' };

function finishOperation(method: string, path: string, op: Json): void {
  op.operationId ??= OPERATION_IDS[`${method.toUpperCase()} ${path}`] ?? derivedId(method, path);
  op.tags ??= [path.startsWith('/admin') ? 'admin' : 'health'];
  const tenant = (op.security as Json[] | undefined)?.some((s) => 'bearer' in s) === true;
  op.security ??= [];
  if (path === '/v1/tasks/{id}/events') {
    op.responses['200'] = { description: 'A text/event-stream: `task` events (data: the Task JSON, id: its version) until the task is final', content: { 'text/event-stream': { schema: { type: 'string' } } } };
  }
  if (path === '/v1/tasks' && method === 'post') op.requestBody.content['application/json'].example = SUBMIT_EXAMPLE;
  for (const [status, res] of Object.entries(op.responses as Json)) {
    if (res.description === 'Default Response' || !res.description) res.description = DESCRIPTIONS[status] ?? 'Answer';
    const headers: Json = { 'x-request-id': ref('RequestId') };
    if (tenant && status !== '401') Object.assign(headers, { 'RateLimit-Limit': ref('RateLimitLimit'), 'RateLimit-Remaining': ref('RateLimitRemaining'), 'RateLimit-Reset': ref('RateLimitReset') });
    if (status === '429' || status === '503') headers['Retry-After'] = ref('RetryAfter');
    if (op.operationId === 'submitTask' && (status === '200' || status === '202')) Object.assign(headers, { Location: ref('Location'), 'Preference-Applied': ref('PreferenceApplied') });
    if (op.operationId === 'submitTask' && status === '200') headers['Idempotent-Replayed'] = ref('IdempotentReplayed');
    if (op.operationId === 'getTask' && status === '200') headers['Preference-Applied'] = ref('PreferenceApplied');
    res.headers = { ...res.headers, ...headers };
    if (status === '204') delete res.content;
  }
  op.responses.default ??= { description: 'Any other error, in the same envelope', headers: { 'x-request-id': ref('RequestId') }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

/**
 * Drops components no `$ref` reaches (the zod export emits an input and an output copy of each), and names an input
 * copy by its plain name (`SubmitTaskInput` → `SubmitTask`) when it is used alone or the two copies are the same.
 * A component's own `$schema` and `$id` go: OpenAPI gives its schemas their dialect and their address.
 */
function pruneSchemas(doc: Json): Json {
  const schemas = doc.components.schemas as Json;
  for (const schema of Object.values(schemas) as Json[]) {
    delete schema.$schema;
    delete schema.$id;
  }
  const used = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string' && x.startsWith('#/components/schemas/')) {
          const name = x.slice(21);
          if (!used.has(name)) {
            used.add(name);
            visit(schemas[name]);
          }
        } else visit(x);
      }
    }
  };
  visit(doc.paths);
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
  const same = (n: string) => JSON.stringify(schemas[n]) === JSON.stringify(schemas[n.slice(0, -5)]);
  const renames = [...used].filter((n) => n.endsWith('Input') && (!used.has(n.slice(0, -5)) || same(n)));
  if (renames.length === 0) return doc;
  let text = JSON.stringify(doc);
  for (const n of renames) text = text.replaceAll(`"#/components/schemas/${n}"`, `"#/components/schemas/${n.slice(0, -5)}"`);
  const out = JSON.parse(text) as Json;
  for (const n of renames) {
    out.components.schemas[n.slice(0, -5)] = out.components.schemas[n];
    delete out.components.schemas[n];
  }
  return out;
}

export function finishOpenApi(doc: Json): Json {
  const pkg = packageInfo();
  // No licence is granted unless package.json names one.
  doc.info = { ...doc.info, version: pkg.version, license: pkg.license ? { name: pkg.license, identifier: pkg.license } : { name: 'UNLICENSED (all rights reserved)' } };
  doc.servers = [{ url: '/', description: 'This gateway' }];
  doc.tags = TAGS;
  doc.components.headers = HEADERS;
  for (const [path, ops] of Object.entries(doc.paths as Json)) for (const [method, op] of Object.entries(ops as Json)) finishOperation(method, path, op as Json);
  return pruneSchemas(doc);
}
