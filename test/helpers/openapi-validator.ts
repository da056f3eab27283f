/**
 * Checks answers and bodies against the committed OpenAPI document with Ajv (JSON Schema 2020-12, the dialect of
 * OpenAPI 3.1, with its formats): what a client generated from the document expects is what it gets.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ApiAnswer } from './gateway.js';

export const openapiDoc: any = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));

const DOC_ID = 'https://mj-gateway.invalid/openapi.json';
// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...openapiDoc, $id: DOC_ID });

const pointer = (parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const compiled = new Map<string, ValidateFunction>();

/** A validator of the schema at `#/<parts>` of the document (e.g. `components`, `schemas`, `SubmitTask`). */
export function schemaAt(...parts: string[]): ValidateFunction {
  const ref = `${DOC_ID}#/${pointer(parts)}`;
  let v = compiled.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: ref });
    compiled.set(ref, v);
  }
  return v;
}

const routes = Object.keys(openapiDoc.paths as object).map((template) => ({
  template,
  re: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  // A literal segment wins over a parameter (`/admin/tenants/{id}` vs a fixed path of the same length).
  params: (template.match(/\{/g) ?? []).length,
}));

/** The documented operation of a request (query string ignored), or undefined. */
export function operationOf(method: string, url: string): { template: string; op: any } | undefined {
  const path = url.split('?')[0]!;
  const hit = routes.filter((r) => r.re.test(path)).sort((a, b) => a.params - b.params)[0];
  const op = hit && openapiDoc.paths[hit.template][method.toLowerCase()];
  return op ? { template: hit.template, op } : undefined;
}

/**
 * Problems of one real answer against the document: an undocumented operation, a status with neither its own entry
 * nor `default`, a body where the document promises none, or a JSON body its schema refuses. Empty when it conforms.
 */
export function answerProblems(method: string, url: string, res: ApiAnswer): string[] {
  const found = operationOf(method, url);
  if (!found) return [`${method} ${url} is not documented`];
  const key = String(res.status) in found.op.responses ? String(res.status) : 'default';
  const entry = found.op.responses[key];
  if (!entry) return [`${method} ${found.template}: status ${res.status} is not documented and there is no default`];
  const type = String(res.headers['content-type'] ?? '');
  if (!entry.content) return res.body === undefined || res.body === '' ? [] : [`${method} ${found.template} ${res.status}: a body where none is documented`];
  if (!type.startsWith('application/json')) return entry.content['application/json'] ? [`${method} ${found.template} ${res.status}: content-type ${type}`] : [];
  const validate = schemaAt('paths', found.template, method.toLowerCase(), 'responses', key, 'content', 'application/json', 'schema');
  if (validate(res.body)) return [];
  return (validate.errors ?? []).slice(0, 5).map((e) => `${method} ${found.template} ${res.status}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
