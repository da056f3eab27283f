/**
 * A thin typed client of the gateway: one method per operation, `Prefer: wait` for waiting, SSE for streaming, an
 * async iterator over the cursor-paged list, and `GatewayError` for every non-2xx answer.
 */
import { errorOf, GatewayError } from './errors.js';
import { readEvents } from './sse.js';
import { isFinal, type CreateTenant, type Delivery, type FinalTask, type IssuedKey, type ListQuery, type SubmitTask, type Task, type TaskList, type Tenant } from './types.js';

export interface ClientOptions {
  /** e.g. `http://127.0.0.1:8080` */
  baseUrl: string;
  /** A tenant key (the `/v1` methods). */
  apiKey?: string;
  /** The gateway's adminToken (the `admin` methods). */
  adminToken?: string;
  fetch?: typeof fetch;
}

export interface WaitOptions { timeoutMs?: number; pollIntervalMs?: number; signal?: AbortSignal }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class GatewayClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  private async call<T>(method: string, path: string, o: { body?: unknown; headers?: Record<string, string>; admin?: boolean; signal?: AbortSignal } = {}): Promise<{ body: T; headers: Headers }> {
    const token = o.admin ? this.opts.adminToken : this.opts.apiKey;
    const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetch(`${this.base}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body), signal: o.signal });
    } catch (err) {
      throw new GatewayError(0, 'network_error', (err as Error).message);
    }
    if (!res.ok) throw await errorOf(res);
    return { body: (res.status === 204 ? undefined : await res.json()) as T, headers: res.headers };
  }

  /** Submits a task (202, or 200 on an Idempotency-Key replay). `waitSeconds`: hold until final (≤ 60). */
  async submit(body: SubmitTask, o: { idempotencyKey?: string; waitSeconds?: number } = {}): Promise<Task> {
    const headers: Record<string, string> = {};
    if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
    if (o.waitSeconds) headers.prefer = `wait=${o.waitSeconds}`;
    return (await this.call<Task>('POST', '/v1/tasks', { body, headers })).body;
  }

  async get(id: string, o: { waitSeconds?: number; signal?: AbortSignal } = {}): Promise<Task> {
    return (await this.getWithHeaders(id, o)).body;
  }

  private getWithHeaders(id: string, o: { waitSeconds?: number; signal?: AbortSignal }) {
    return this.call<Task>('GET', `/v1/tasks/${encodeURIComponent(id)}`, { headers: o.waitSeconds ? { prefer: `wait=${o.waitSeconds}` } : {}, signal: o.signal });
  }

  /** The task once final: long waits with `Prefer: wait`, or polling when the server does not hold answers. */
  async waitForTask(id: string, o: WaitOptions = {}): Promise<FinalTask> {
    const end = Date.now() + (o.timeoutMs ?? 15 * 60_000);
    for (;;) {
      const left = Math.max(1, Math.ceil((end - Date.now()) / 1000));
      const { body, headers } = await this.getWithHeaders(id, { waitSeconds: Math.min(60, left), signal: o.signal });
      if (isFinal(body)) return body;
      if (Date.now() >= end) throw new GatewayError(0, 'network_error', `task ${id} is still ${body.status} after the wait`);
      if (!headers.get('preference-applied')) await sleep(o.pollIntervalMs ?? 2000);
    }
  }

  /** Each change of the task (server-sent events) until it is final; resumes after `lastEventId`. */
  async *streamTask(id: string, o: { lastEventId?: string; signal?: AbortSignal } = {}): AsyncGenerator<Task> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    if (o.lastEventId) headers['last-event-id'] = o.lastEventId;
    const res = await this.fetch(`${this.base}/v1/tasks/${encodeURIComponent(id)}/events`, { headers, signal: o.signal });
    if (!res.ok || !res.body) throw await errorOf(res);
    for await (const ev of readEvents(res.body)) if (ev.event === 'task') yield JSON.parse(ev.data) as Task;
  }

  /** One page of the tenant's tasks, newest first. */
  async listPage(query: ListQuery = {}): Promise<TaskList> {
    const qs = new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
    return (await this.call<TaskList>('GET', `/v1/tasks${qs.size ? `?${qs}` : ''}`)).body;
  }

  /** Every task matching `query`, page after page. */
  async *list(query: Omit<ListQuery, 'cursor'> = {}): AsyncGenerator<Task> {
    let cursor: string | undefined;
    do {
      const page = await this.listPage({ ...query, cursor });
      yield* page.data;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  async cancel(id: string): Promise<Task> {
    return (await this.call<Task>('POST', `/v1/tasks/${encodeURIComponent(id)}/cancel`)).body;
  }

  async deliveries(id: string): Promise<Delivery[]> {
    return (await this.call<{ data: Delivery[] }>('GET', `/v1/tasks/${encodeURIComponent(id)}/deliveries`)).body.data;
  }

  /** Tenants and keys (needs `adminToken`). */
  readonly admin = {
    createTenant: async (body: CreateTenant): Promise<Tenant> => (await this.call<Tenant>('POST', '/admin/tenants', { body, admin: true })).body,
    issueKey: async (tenantId: string): Promise<IssuedKey> => (await this.call<IssuedKey>('POST', `/admin/tenants/${encodeURIComponent(tenantId)}/keys`, { admin: true })).body,
    rotateKey: async (tenantId: string, keyId: string): Promise<IssuedKey> =>
      (await this.call<IssuedKey>('POST', `/admin/tenants/${encodeURIComponent(tenantId)}/keys/${encodeURIComponent(keyId)}/rotate`, { admin: true })).body,
    revokeKey: async (tenantId: string, keyId: string): Promise<void> =>
      void (await this.call<undefined>('DELETE', `/admin/tenants/${encodeURIComponent(tenantId)}/keys/${encodeURIComponent(keyId)}`, { admin: true })),
  };
}
