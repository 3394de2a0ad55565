/**
 * The SSRF guard: a user-supplied URL (callback, webhook endpoint, image) must be http(s) and resolve only to public
 * addresses — never loopback, private, link-local, CGNAT, multicast or unspecified ones, nor an IPv6 address that
 * carries one of those inside it (IPv4-mapped, IPv4-compatible, 6to4, NAT64, Teredo) — unless the server is
 * configured to allow them (security.allowPrivateUrls, for tests and closed networks). `request` then connects to
 * the very address that was checked: the host is resolved once, so a DNS answer that changes between the check and
 * the connection (rebinding) cannot move the request onto another address.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { errors } from '../errors.js';
import { pinnedRequest, type PinnedRequestInit, type PinnedResponse, type ResolvedAddress } from './pinned-request.js';

const blockedV4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blockedV4.addSubnet(net, prefix, 'ipv4');

/** An IPv6 address as a 128-bit number (`::` expanded, a trailing dotted quad read), or undefined. */
function ipv6Bits(address: string): bigint | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8) return undefined;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

const v4 = (bits: bigint) => [24n, 16n, 8n, 0n].map((s) => Number((bits >> s) & 0xffn)).join('.');
const inPrefix = (bits: bigint, prefix: string, length: number) => bits >> BigInt(128 - length) === ipv6Bits(prefix)! >> BigInt(128 - length);

/** IPv6 ranges that are never a public destination by themselves. */
const BLOCKED_V6: [string, number][] = [
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed on some networks)
  ['ff00::', 8], // multicast
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['2001::', 32], // Teredo: its client address is obfuscated inside; nothing legitimate needs it here
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215): translated by this network's own gateway
];

/** IPv6 forms that carry an IPv4 address, and where: the IPv4 address decides. */
function embeddedIPv4(bits: bigint): string | undefined {
  if (bits >> 32n === 0n) return v4(bits); // IPv4-compatible ::a.b.c.d (and :: and ::1, inside 0.0.0.0/8)
  if (bits >> 32n === 0xffffn) return v4(bits); // IPv4-mapped ::ffff:a.b.c.d
  if (bits >> 32n === 0xffff0000n) return v4(bits); // IPv4-translated ::ffff:0:a.b.c.d
  if (inPrefix(bits, '64:ff9b::', 96)) return v4(bits); // NAT64, well-known prefix (DNS64 answers for IPv4-only hosts)
  if (inPrefix(bits, '2002::', 16)) return v4(bits >> 80n); // 6to4 2002:aabb:ccdd::
  return undefined;
}

/** True when the address is not a public unicast address. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blockedV4.check(address, 'ipv4');
  if (family !== 6) return true;
  const bits = ipv6Bits(address);
  if (bits === undefined) return true;
  const inner = embeddedIPv4(bits);
  if (inner !== undefined) return blockedV4.check(inner, 'ipv4');
  return BLOCKED_V6.some(([prefix, length]) => inPrefix(bits, prefix, length));
}

export type Resolver = (host: string) => Promise<string[]>;
const dnsResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export class UrlGuard {
  /** `resolve` and `isBlocked` are DNS and isPrivateAddress; tests pass their own to stage a rebinding. */
  constructor(
    private readonly allowPrivate: boolean,
    private readonly resolve: Resolver = dnsResolver,
    private readonly isBlocked: (address: string) => boolean = isPrivateAddress,
  ) {}

  /** Throws an ApiError (400 url_not_allowed) for a URL we must not call; `param` names the field. */
  async check(raw: string, param: string): Promise<URL> {
    return (await this.checkAndResolve(raw, param)).url;
  }

  /**
   * One request to a checked URL, connected to the address the check resolved (no second DNS look-up). Redirects
   * are not followed: the caller checks a Location as a new URL.
   */
  async request(raw: string, param: string, init: PinnedRequestInit): Promise<PinnedResponse> {
    const { url, addresses } = await this.checkAndResolve(raw, param);
    return pinnedRequest(url, addresses, init);
  }

  private async checkAndResolve(raw: string, param: string): Promise<{ url: URL; addresses?: ResolvedAddress[] }> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw errors.invalid(`${param} is not a URL: "${raw.slice(0, 200)}"`, param);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw errors.urlRefused(`${param} must be an http or https URL, got ${url.protocol}`, param);
    if (url.username || url.password) throw errors.urlRefused(`${param} must not carry credentials`, param);
    if (!url.hostname) throw errors.invalid(`${param} has no host`, param);
    if (this.allowPrivate) return { url };
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await this.resolve(host);
    } catch {
      throw errors.urlRefused(`${param}: the host ${host} does not resolve`, param);
    }
    const bad = addresses.find(this.isBlocked);
    if (bad || addresses.length === 0) {
      throw errors.urlRefused(`${param} resolves to ${bad ?? 'nothing'}, a loopback, private or link-local address; the server only calls public addresses`, param);
    }
    return { url, addresses: addresses.map((address) => ({ address, family: isIP(address) as 4 | 6 })) };
  }
}
