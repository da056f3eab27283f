import { expect } from 'vitest';
import { ProviderError, type ErrorClass } from '../../providers/types.js';

/** Awaits a call that must fail with a classified ProviderError of `kind`, and returns the error. */
export async function expectClass(p: Promise<unknown>, kind: ErrorClass | string): Promise<ProviderError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderError);
  expect((err as ProviderError).kind).toBe(kind);
  return err as ProviderError;
}
