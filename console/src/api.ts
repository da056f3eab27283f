/**
 * The typed API client (the TypeScript client's types, generated from openapi/openapi.json by `npm run sdk:types`).
 * The credential lives in memory and sessionStorage only: never in a URL, never logged.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../../clients/typescript/src/schema';

export type { IssuedKey, SubmitTask, Task, Tenant } from '../../clients/typescript/src/types';
export type AdminProvider = components['schemas']['AdminProvider'];
export type AdminQueues = components['schemas']['AdminQueues'];
export type Role = 'tenant' | 'admin';

const STORE = 'mjg-console';
let token: string | null = null;

export const client = createClient<paths>({ baseUrl: location.origin });
const auth: Middleware = {
  onRequest({ request }) {
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};
client.use(auth);

/** The error envelope's message, or a generic line when the answer had none. */
export function problem(error: unknown, status?: number): string {
  const e = (error as { error?: { message?: string } } | undefined)?.error;
  return e?.message ?? `the gateway answered ${status ?? 'nothing'}`;
}

/** Throws the envelope's message on a non-2xx answer, returns the data otherwise. */
export function ok<T>(res: { data?: T; error?: unknown; response: Response }): T {
  if (res.error !== undefined || !res.response.ok) throw new Error(problem(res.error, res.response.status));
  return res.data as T;
}

/** Finds out what the credential is: the admin token opens /admin, a tenant key opens /v1. */
export async function signIn(secret: string): Promise<Role> {
  token = secret;
  const adminRes = await client.GET('/admin/providers');
  if (adminRes.response.ok) return remember('admin');
  const tenantRes = await client.GET('/v1/tasks', { params: { query: { limit: 1 } } });
  if (tenantRes.response.ok) return remember('tenant');
  token = null;
  throw new Error(problem(tenantRes.error, tenantRes.response.status));
}

function remember(role: Role): Role {
  sessionStorage.setItem(STORE, JSON.stringify({ token, role }));
  return role;
}

/** The session kept in this tab, if any. */
export function restore(): Role | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE) ?? 'null') as { token: string; role: Role } | null;
    if (!saved) return null;
    token = saved.token;
    return saved.role;
  } catch {
    return null;
  }
}

export function signOut(): void {
  token = null;
  sessionStorage.removeItem(STORE);
}
