/**
 * An HTTP(S) request that connects to addresses given in advance rather than resolving the host itself: the
 * SSRF guard resolves and checks the host once, and the connection goes to exactly those addresses (the Host
 * header and TLS name stay the URL's host). Node's http/https with a `lookup` that answers from the checked list.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface PinnedRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

export interface PinnedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it arrives; read it with a cap, or destroy it. */
  body: IncomingMessage;
}

/** `addresses` undefined: resolve as usual (security.allowPrivateUrls, where nothing is checked). */
export function pinnedRequest(url: URL, addresses: ResolvedAddress[] | undefined, init: PinnedRequestInit): Promise<PinnedResponse> {
  const lookup: LookupFunction | undefined = addresses && ((_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  });
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: init.method ?? 'GET', headers: init.headers, signal: init.signal, lookup }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
