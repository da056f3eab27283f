/**
 * Callback URL guard: http(s) only, and no host that is or resolves to loopback, private, link-local, CGNAT,
 * multicast, reserved or cloud-metadata addresses (checked at submit and again at delivery, against rebinding).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** IPv6 ranges that embed an IPv4 address in their last 32 bits: the embedded one decides. */
const EMBEDS_V4 = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052']);

/** The IPv4 address a 6to4 address (2002:AABB:CCDD::/48) routes to. */
const sixToFour = (v6: ipaddr.IPv6) => ipaddr.fromByteArray(v6.toByteArray().slice(2, 6)) as ipaddr.IPv4;

/**
 * True unless the address is plain global unicast by the maintained range list of `ipaddr.js` (loopback, private,
 * link-local, CGNAT, multicast, reserved, documentation, discard, site-local, 6to4 relay, …). IPv6 forms that carry an
 * IPv4 address (mapped, translated, NAT64, 6to4, IPv4-compatible `::a.b.c.d`) are judged by that address.
 */
export function isBlockedAddress(ip: string): boolean {
  if (isIP(ip) === 0 || !ipaddr.isValid(ip)) return true;
  const addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv4') return addr.range() !== 'unicast';
  const v6 = addr as ipaddr.IPv6;
  const range = v6.range();
  const embedded = EMBEDS_V4.has(range) ? ipaddr.fromByteArray(v6.toByteArray().slice(12)) : range === '6to4' ? sixToFour(v6) : null;
  if (embedded) return embedded.range() !== 'unicast';
  // IPv4-compatible (::/96, deprecated): never a real destination.
  if (v6.parts.slice(0, 6).every((p) => p === 0)) return true;
  return range !== 'unicast';
}

/** Null when the URL may be called, else the rule it breaks. */
export async function callbackUrlProblem(raw: string, allowPrivate: boolean): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'callbackUrl is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'callbackUrl must use http or https';
  if (url.username || url.password) return 'callbackUrl must not carry credentials';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === 'metadata.google.internal') return `callbackUrl host ${host} is a local or metadata address`;
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    return `callbackUrl host ${host} does not resolve`;
  }
  const bad = addresses.find(isBlockedAddress);
  return bad ? `callbackUrl host ${host} resolves to ${bad}, a loopback/private/link-local/reserved address (refused to prevent SSRF)` : null;
}
