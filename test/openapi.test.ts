import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../src/openapi.js';

describe('the committed OpenAPI document', () => {
  it('is exactly what the app generates (run `npm run openapi:write` after changing a schema)', async () => {
    const fresh = await generateOpenApi();
    const committed = readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(fresh);
  });

  it('documents every public route with the Task and Error schemas', async () => {
    const doc = JSON.parse(await generateOpenApi());
    for (const path of ['/v1/tasks', '/v1/tasks/{id}', '/v1/tasks/{id}/cancel', '/v1/providers', '/v1/callbacks/{providerId}/{token}', '/healthz', '/readyz']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Task', 'Error', 'SubmitTask']));
  });
});
