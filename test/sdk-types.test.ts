import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSdkTypes } from '../scripts/sdk-types.js';

describe('the TypeScript client', () => {
  it('has types generated from the committed OpenAPI document (run `npm run sdk:types` after changing it)', async () => {
    const committed = readFileSync(new URL('../clients/typescript/src/schema.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await generateSdkTypes());
  });

  it('keeps the example program free of casts (it is type-checked with the rest under strict)', () => {
    const example = readFileSync(new URL('../clients/typescript/examples/flow.ts', import.meta.url), 'utf8');
    expect(example).not.toMatch(/\bas (?!const\b)[A-Za-z{[]|<[A-Z]\w*>\s*\(|!\./);
  });
});
