/**
 * Security headers on every answer (helmet's defaults that matter for a JSON API). The API's answers get a CSP that
 * allows nothing; `/docs` keeps Swagger UI's own needs (scripts and styles from itself).
 */
import fp from 'fastify-plugin';

const COMMON: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-dns-prefetch-control': 'off',
  'x-permitted-cross-domain-policies': 'none',
};
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CSP = "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";

/** Everything an answer gets, per kind of URL, built once. */
const API_HEADERS = { ...COMMON, 'content-security-policy': API_CSP };
const DOCS_HEADERS = { ...COMMON, 'content-security-policy': DOCS_CSP };

export default fp(
  async (app) => {
    // Callback form: no promise per request. Fastify sends no x-powered-by (nothing to remove).
    app.addHook('onSend', (req, reply, payload, done) => {
      reply.headers(req.url.startsWith('/docs') ? DOCS_HEADERS : API_HEADERS);
      done(null, payload);
    });
  },
  { name: 'security-headers' },
);
