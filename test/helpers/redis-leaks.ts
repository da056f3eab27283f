/**
 * Global setup of the `redis` project: every test deletes the keys it writes (test/helpers/gateway.ts gives each one
 * a `test-<hex>` prefix and `dropPrefix` removes it). This notes the `test-*` keys in TEST_REDIS_URL's database when
 * the run starts and fails the run (exit code 1) when new ones are left at its end, naming their prefixes.
 * One run per database at a time: a concurrent run's keys would count as left by this one.
 */
import { Redis } from 'ioredis';

const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';
const PATTERN = 'test-*';

async function testKeys(): Promise<Set<string>> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', PATTERN, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) keys.add(key);
    } while (cursor !== '0');
    return keys;
  } finally {
    redis.disconnect();
  }
}

export async function setup(): Promise<() => Promise<void>> {
  let before: Set<string>;
  try {
    before = await testKeys();
  } catch (err) {
    // The tests themselves say that Redis is missing; there is nothing to compare against.
    console.warn(`redis-leaks: cannot list ${PATTERN} keys at ${url} (${(err as Error).message}); not checking for leftovers`);
    return () => Promise.resolve();
  }
  return async () => {
    const left = [...(await testKeys())].filter((key) => !before.has(key)).sort();
    if (left.length === 0) return;
    const byPrefix = new Map<string, string[]>();
    for (const key of left) {
      const prefix = key.split(':', 1)[0]!;
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), key]);
    }
    const lines = [...byPrefix].map(([prefix, keys]) => `  ${prefix}: ${keys.length} key(s), e.g. ${keys.slice(0, 3).join(', ')}`);
    // vitest prints an error thrown here but keeps the exit code: set it, so that the run fails.
    process.exitCode = 1;
    throw new Error(
      `the tests left ${left.length} ${PATTERN} key(s) in ${url}; each test must drop the prefixes it writes under ` +
      `(dropPrefix in test/helpers/gateway.ts):\n${lines.join('\n')}`,
    );
  };
}
