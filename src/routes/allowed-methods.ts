/** The methods each registered path takes, so a wrong method on a known path is 405 with `Allow`, not 404. */
import type { FastifyInstance } from 'fastify';

/** The methods `path` (a request path, no query) takes; empty when no route has that path. */
export type AllowedMethods = (path: string) => string[];

const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** A route pattern (`/v1/tasks/:id`, `/docs/*`) as a whole-path regex. */
export function patternOf(url: string): RegExp {
  const body = url.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : escape(seg))).join('/');
  return new RegExp(`^${body}/?$`);
}

/** Records every route registered from now on (call before registering them). */
export function trackAllowedMethods(app: FastifyInstance): AllowedMethods {
  const routes: Array<{ pattern: RegExp; methods: string[] }> = [];
  app.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map(String);
    routes.push({ pattern: patternOf(route.url), methods });
  });
  return (path) => {
    const allow = new Set<string>();
    for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) allow.add(m);
    return [...allow].sort();
  };
}
