import { expect } from 'vitest';
import { ProviderError } from '../../providers/types.js';

/**
 * Awaits a call that must fail with a classified ProviderError of `kind` (an ErrorClass; a plain string so that
 * `it.each` tables need no casts), and returns the error.
 */
export async function expectClass(p: Promise<unknown>, kind: string): Promise<ProviderError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderError);
  expect((err as ProviderError).kind).toBe(kind);
  return err as ProviderError;
}
