/** The console's typed client is generated from the committed OpenAPI document: a change to the API must regenerate it. */
import { readFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

describe('the console API types', () => {
  it('match openapi/openapi.json (npm run console:types regenerates them)', async () => {
    const generated = astToString(await openapiTS(new URL('../../openapi/openapi.json', import.meta.url)));
    const committed = readFileSync(new URL('../../console/src/api-types.ts', import.meta.url), 'utf8');
    // The committed file is the generator's output under its fixed "auto-generated" header.
    expect(committed.slice(committed.indexOf('export '))).toBe(generated.slice(generated.indexOf('export ')));
  }, 30_000);
});
