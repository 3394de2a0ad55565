/**
 * Errors Fastify and Node answer before any route runs — a path that is not valid percent-encoding, a path
 * parameter past the router's limit, headers too large for Node's parser, a client too slow — shaped like every
 * other error: the caller's wire format (chosen from the path, as no route matched), a stable code, a sentence.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ApiError, errorBody, toApiError, type Dialect } from '../core/errors.js';

const KLING_PATH = /^\/v1\/videos\/(text2video|image2video|effects|video-extend)(\/|\?|$)/;

/** The wire format of a path, for errors raised before a route (and its configured dialect) is known. */
export function dialectOfUrl(url: string): Dialect {
  if (KLING_PATH.test(url)) return 'kling';
  return url.startsWith('/v1/') ? 'openai' : 'native';
}

/** Fastify's frameworkErrors (raised while routing) as ApiErrors. */
export function frameworkApiError(err: { code?: string; message?: string }): ApiError {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return new ApiError(400, 'invalid_url', 'the path is not a valid URL: a "%" must start an escape such as %2F; encode the id or the path', 1200);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError(414, 'uri_too_long', 'a path parameter is longer than this server reads (512 characters); ids are at most 300', 1200);
    default:
      return toApiError(err);
  }
}

/**
 * Node's clientError (the request never became a request: headers too large, a malformed request line, a
 * timeout): written to the socket by hand, in the wire format of the request line's path when there is one.
 */
export function answerClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, apiError] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, new ApiError(431, 'headers_too_large', 'the request\'s headers are larger than this server reads (16 KiB); send fewer or smaller headers', 1200)]
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, new ApiError(408, 'request_timeout', 'the request did not arrive in time; send it again', 1200)]
      : [400, new ApiError(400, 'bad_request', 'the request is not valid HTTP/1.1; check the request line and headers', 1200)];
  const packet = Buffer.isBuffer(err.rawPacket) ? err.rawPacket.subarray(0, 8192).toString('latin1') : '';
  const path = /^[A-Z]+ (\S+) HTTP\//.exec(packet)?.[1] ?? '/';
  const body = JSON.stringify(errorBody(apiError, dialectOfUrl(path), randomUUID()));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
