/** `redisSentinel` in the config becomes the one address every connection is opened from. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { redisTarget } from '../../src/store/connections.js';

describe('redisSentinel', () => {
  it('replaces redisUrl, and every connection reads the sentinels, passwords, db and TLS from it', () => {
    const config = parseConfig(JSON.stringify({
      redisUrl: 'redis://ignored:6379',
      redisSentinel: { name: 'mjg primary', sentinels: ['10.0.0.1:26379', 'sentinel-b:26380'], password: 'p@ss/word', sentinelPassword: 's&p', db: 3, tls: true },
    }), {});
    const [target] = redisTarget(config.redisUrl);
    expect(target).toMatchObject({
      name: 'mjg primary', sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: 'sentinel-b', port: 26380 }],
      password: 'p@ss/word', sentinelPassword: 's&p', db: 3, enableTLSForSentinelMode: true, failoverDetector: true,
    });
  });

  it('leaves a plain URL (redis:// or rediss://) to ioredis', () => {
    expect(redisTarget('rediss://h:6380/2')).toEqual(['rediss://h:6380/2']);
  });

  it('reports a sentinel without a port', () => {
    expect(() => parseConfig(JSON.stringify({ redisSentinel: { name: 'm', sentinels: ['10.0.0.1'] } }), {})).toThrow(/redisSentinel\.sentinels\.0: must be "host:port"/);
  });
});
