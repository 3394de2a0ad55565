/**
 * The SSRF guard: a user-supplied URL (callback, webhook endpoint, image) must be http(s) and resolve only to public
 * addresses — never loopback, private, link-local, CGNAT, multicast or unspecified ones — unless the server is
 * configured to allow them (security.allowPrivateUrls, for tests and closed networks).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { errors } from '../errors.js';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** True when the address is not a public unicast address. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

export type Resolver = (host: string) => Promise<string[]>;
const dnsResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export class UrlGuard {
  constructor(private readonly allowPrivate: boolean, private readonly resolve: Resolver = dnsResolver) {}

  /** Throws an ApiError (400 url_not_allowed) for a URL we must not call; `param` names the field. */
  async check(raw: string, param: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw errors.invalid(`${param} is not a URL: "${raw.slice(0, 200)}"`, param);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw errors.urlRefused(`${param} must be an http or https URL, got ${url.protocol}`, param);
    if (url.username || url.password) throw errors.urlRefused(`${param} must not carry credentials`, param);
    if (this.allowPrivate) return url;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await this.resolve(host);
    } catch {
      throw errors.urlRefused(`${param}: the host ${host} does not resolve`, param);
    }
    const bad = addresses.find(isPrivateAddress);
    if (bad || addresses.length === 0) {
      throw errors.urlRefused(`${param} resolves to ${bad ?? 'nothing'}, a loopback, private or link-local address; the server only calls public addresses`, param);
    }
    return url;
  }
}
