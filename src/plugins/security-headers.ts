/**
 * Security headers on every answer.
 *
 * API answers (JSON) get the set the OWASP REST Security Cheat Sheet lists for every API response: `no-store` (task
 * documents carry tenants' data and result URLs: no browser or proxy cache keeps them), `nosniff`, `DENY` framing, a
 * CSP that allows nothing (frame-ancestors included) and HSTS. The headers that only act on HTML documents
 * (Referrer-Policy, the Cross-Origin-*-Policy pair, X-DNS-Prefetch-Control, X-Permitted-Cross-Domain-Policies) go
 * where HTML is served, `/docs`, whose CSP allows Swagger UI's own scripts and styles and nothing else. An API answer
 * is JSON behind a bearer key: there is no document for those to govern, only bytes on every answer. The console
 * (`/console`) gets the HTML set with a CSP of its own files only, and cache headers for hashed assets.
 *
 * HSTS goes only on answers that travel over HTTPS, as RFC 6797 §7.2 requires (a browser ignores it on plain HTTP):
 * the gateway speaks plain HTTP behind a TLS proxy, so that is a request the proxy marks `X-Forwarded-Proto: https`
 * (the server trusts the proxy's headers), or one on a TLS socket.
 */
import fp from 'fastify-plugin';

const BOTH: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};
const HSTS = { 'strict-transport-security': 'max-age=15552000; includeSubDomains' };
const API_HEADERS = { ...BOTH, 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" };
const DOCS_HEADERS = {
  ...BOTH,
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-dns-prefetch-control': 'off',
  'x-permitted-cross-domain-policies': 'none',
  'content-security-policy': "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
};
/** The console: its own files only (no inline script or style), images from anywhere a provider serves them. */
const CONSOLE_HEADERS = {
  ...DOCS_HEADERS,
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https: http:; media-src 'self' https: http:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  // Asset names carry a hash of their content; index.html names the current ones and is revalidated every time.
  'cache-control': 'no-cache',
};
const CONSOLE_ASSETS = { ...CONSOLE_HEADERS, 'cache-control': 'public, max-age=31536000, immutable' };
// Media files set their own Cache-Control (cacheable until the link expires) and may be embedded by any site.
const MEDIA_HEADERS = { ...BOTH, 'content-security-policy': "default-src 'none'; frame-ancestors 'none'", 'cross-origin-resource-policy': 'cross-origin' };
const SETS = {
  http: { api: API_HEADERS, docs: DOCS_HEADERS, media: MEDIA_HEADERS, console: CONSOLE_HEADERS, assets: CONSOLE_ASSETS },
  https: { api: { ...API_HEADERS, ...HSTS }, docs: { ...DOCS_HEADERS, ...HSTS }, media: { ...MEDIA_HEADERS, ...HSTS }, console: { ...CONSOLE_HEADERS, ...HSTS }, assets: { ...CONSOLE_ASSETS, ...HSTS } },
};

/** Which header set an answer gets, by its path. */
function kindOf(url: string): 'api' | 'docs' | 'media' | 'console' | 'assets' {
  if (url.startsWith('/docs')) return 'docs';
  if (url.startsWith('/media/')) return 'media';
  if (!url.startsWith('/console')) return 'api';
  return url.startsWith('/console/assets/') ? 'assets' : 'console';
}

export default fp(
  async (app) => {
    // Callback form: no promise per request. Fastify sends no x-powered-by (nothing to remove).
    app.addHook('onSend', (req, reply, payload, done) => {
      const set = req.protocol === 'https' ? SETS.https : SETS.http;
      reply.headers(set[kindOf(req.url)]);
      done(null, payload);
    });
  },
  { name: 'security-headers' },
);
