/** `redisSentinel` and `redisTls` in the config become the one address every connection is opened from. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { redisAddress, redisTarget } from '../../src/store/connections.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('redisSentinel', () => {
  it('replaces redisUrl, and every connection reads the sentinels, passwords, db and TLS from it', () => {
    const config = parseConfig(JSON.stringify({
      redisUrl: 'redis://ignored:6379',
      redisSentinel: { name: 'mjg primary', sentinels: ['10.0.0.1:26379', 'sentinel-b:26380'], password: 'p@ss/word', sentinelPassword: 's&p', db: 3, tls: true },
    }), {});
    const [target] = redisTarget(redisAddress(config));
    expect(target).toMatchObject({
      name: 'mjg primary', sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: 'sentinel-b', port: 26380 }],
      password: 'p@ss/word', sentinelPassword: 's&p', db: 3, enableTLSForSentinelMode: true, failoverDetector: true,
    });
  });

  it('leaves a plain URL (redis:// or rediss://) to ioredis', () => {
    expect(redisTarget('rediss://h:6380/2')).toEqual(['rediss://h:6380/2', {}]);
  });

  it('reports a sentinel without a port', () => {
    expect(() => parseConfig(JSON.stringify({ redisSentinel: { name: 'm', sentinels: ['10.0.0.1'] } }), {})).toThrow(/redisSentinel\.sentinels\.0: must be "host:port"/);
  });
});

describe('redisTls', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mjg-tls-conf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads ca, cert and key from files, or takes them as PEM text, for a rediss:// URL', () => {
    writeFileSync(join(dir, 'ca.pem'), PEM);
    const config = parseConfig(JSON.stringify({
      redisUrl: 'rediss://r:6380/1', redisTls: { ca: join(dir, 'ca.pem'), cert: PEM, key: PEM.replace(/CERTIFICATE/g, 'PRIVATE KEY'), servername: 'redis.internal' },
    }), {});
    expect(config.redisTls).toEqual({ ca: PEM, cert: PEM, key: PEM.replace(/CERTIFICATE/g, 'PRIVATE KEY'), servername: 'redis.internal', rejectUnauthorized: true });
    expect(redisTarget(redisAddress(config))).toEqual(['rediss://r:6380/1', { tls: config.redisTls }]);
  });

  it('gives the sentinels their own settings when set, else the primary\'s', () => {
    const base = { redisSentinel: { name: 'm', sentinels: ['s:26379'], tls: true }, redisTls: { ca: PEM, rejectUnauthorized: 'false' } };
    const [same] = redisTarget(redisAddress(parseConfig(JSON.stringify(base), {})));
    expect(same).toMatchObject({ tls: { ca: PEM, rejectUnauthorized: false }, sentinelTLS: { ca: PEM, rejectUnauthorized: false } });
    const own = { ...base, redisSentinel: { ...base.redisSentinel, sentinelTls: { ca: `${PEM}\n` } } };
    const [split] = redisTarget(redisAddress(parseConfig(JSON.stringify(own), {})));
    expect(split).toMatchObject({ tls: { ca: PEM }, sentinelTLS: { ca: `${PEM}\n`, rejectUnauthorized: true } });
  });

  it('reports an unreadable file, a cert without its key and settings with TLS off, each by path', () => {
    const bad = () => parseConfig(JSON.stringify({
      redisUrl: 'redis://r:6379', redisTls: { ca: join(dir, 'missing.pem'), cert: PEM },
      redisSentinel: { name: 'm', sentinels: ['s:1'], sentinelTls: { ca: PEM } },
    }), {});
    expect(bad).toThrow(/redisTls\.ca: cannot read .*missing\.pem \(ENOENT\)/);
    expect(bad).toThrow(/redisTls: cert and key go together/);
    expect(bad).toThrow(/redisTls: TLS is not on: use a rediss:\/\/ redisUrl/);
    expect(bad).toThrow(/redisSentinel\.sentinelTls: set redisSentinel\.tls: true/);
  });
});
