/** SSRF guard: the special-purpose address forms a hand-written list missed, judged by ipaddr.js's range names. */
import { describe, expect, it } from 'vitest';
import { callbackUrlProblem, isBlockedAddress } from '../../src/domain/ssrf.js';

describe('callback addresses', () => {
  it.each([
    'http://[::127.0.0.1]/hook', 'http://[::ffff:0:127.0.0.1]/hook', 'http://[2002:7f00:1::1]/hook', 'http://[2002:c0a8:101::]/hook',
    'http://[100::1]/hook', 'http://[fec0::1]/hook', 'http://192.88.99.1/hook', 'http://[64:ff9b::10.0.0.1]/hook', 'http://[2001::1]/hook',
  ])('refuses %s', async (url) => {
    expect(await callbackUrlProblem(url, false)).toMatch(/SSRF/);
  });

  it('lets global unicast through, also when a 6to4 address embeds a public IPv4', () => {
    for (const ip of ['93.184.216.34', '2606:4700::1111', '2002:5db8:d822::1', '::ffff:93.184.216.34']) expect(isBlockedAddress(ip), ip).toBe(false);
    for (const ip of ['not-an-ip', '::', '255.255.255.255', '::ffff:10.0.0.1']) expect(isBlockedAddress(ip), ip).toBe(true);
  });
});
