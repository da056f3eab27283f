import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../src/openapi.js';

const doc = JSON.parse(await generateOpenApi());
const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('the finished OpenAPI document', () => {
  it('is OpenAPI 3.1 with servers, a licence and the package version', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.info.license.name).toBeTruthy();
    expect(doc.servers).toHaveLength(1);
  });

  it('gives every operation a unique operationId, a declared tag and a default error answer', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(doc.tags.map((t: { name: string }) => t.name));
    for (const { op } of operations) {
      expect(op.tags.every((t: string) => tags.has(t))).toBe(true);
      expect(op.responses.default.content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
      for (const res of Object.values(op.responses as Record<string, any>)) expect(res.description).not.toBe('Default Response');
    }
  });

  it('declares the headers the server sends', () => {
    const submit = doc.paths['/v1/tasks'].post;
    expect(Object.keys(submit.responses['202'].headers)).toEqual(expect.arrayContaining(['Location', 'Preference-Applied', 'x-request-id', 'RateLimit-Limit']));
    expect(Object.keys(submit.responses['200'].headers)).toContain('Idempotent-Replayed');
    expect(Object.keys(submit.responses['429'].headers)).toContain('Retry-After');
    expect(doc.paths['/v1/tasks/{id}'].get.responses['200'].headers).toHaveProperty('Preference-Applied');
    expect(doc.paths['/admin/tenants/{id}/keys/{keyId}'].delete.responses['204'].content).toBeUndefined();
  });

  it('answers every documented error status and the default with the envelope, and a 204 with no body', () => {
    let errors = 0;
    for (const { path, method, op } of operations) {
      for (const [status, res] of Object.entries(op.responses as Record<string, any>)) {
        if (status === '204') expect(res.content, `${method} ${path} 204`).toBeUndefined();
        if (status !== 'default' && Number(status) < 400) continue;
        errors++;
        expect(Object.keys(res.content), `${method} ${path} ${status}`).toEqual(['application/json']);
        expect(res.content['application/json'].schema.$ref, `${method} ${path} ${status}`).toBe('#/components/schemas/Error');
      }
    }
    expect(errors).toBeGreaterThan(operations.length);
  });

  it('shows a valid imagine as the submit example and documents the event stream', () => {
    expect(doc.paths['/v1/tasks'].post.requestBody.content['application/json'].example).toMatchObject({ action: 'imagine' });
    expect(doc.paths['/v1/tasks/{id}/events'].get.responses['200'].content).toHaveProperty('text/event-stream');
  });

  it('keeps only the components something refers to', () => {
    const text = JSON.stringify(doc.paths) + JSON.stringify(doc.components.schemas);
    for (const name of Object.keys(doc.components.schemas)) expect(text).toContain(`#/components/schemas/${name}"`);
  });
});
