/**
 * A small WebSocket client (RFC 6455) on node:http, for remote providers that report progress over a socket
 * (ComfyUI's /ws). Node 20 has no WebSocket client without a flag, and this needs only a fraction of one: receive
 * text messages (fragmented or not), answer pings, close. Binary messages (ComfyUI's preview images) are skipped.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A message larger than this is a broken or hostile server, not progress. */
const MAX_MESSAGE = 16 * 1024 * 1024;

export interface WebSocketHandlers {
  onText(text: string): void;
  /** Once, when the connection ends for any reason (a close frame, a dropped socket, close()). */
  onClose(reason: string): void;
}

export interface WebSocketConnection {
  close(): void;
}

/** Masked client frame (clients must mask, RFC 6455 §5.3). */
function frame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
    : len < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff])
      : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); return b; })()]);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([head, mask, body]);
}

/** Opens `url` (ws:// or wss://); rejects when the handshake fails or takes longer than `timeoutMs`. */
export function connectWebSocket(url: string, handlers: WebSocketHandlers, options: { timeoutMs: number; signal?: AbortSignal; headers?: Record<string, string> }): Promise<WebSocketConnection> {
  const target = new URL(url);
  const secure = target.protocol === 'wss:';
  const key = randomBytes(16).toString('base64');
  const expected = createHash('sha1').update(key + GUID).digest('base64');
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)({
      host: target.hostname, port: target.port || (secure ? 443 : 80), path: `${target.pathname}${target.search}`,
      headers: { ...options.headers, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': key },
      signal: options.signal, timeout: options.timeoutMs,
    });
    req.on('timeout', () => req.destroy(new Error(`no WebSocket handshake within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      reject(new Error(`the WebSocket handshake answered ${res.statusCode}`));
    });
    req.on('upgrade', (res, socket, head) => {
      if (res.headers['sec-websocket-accept'] !== expected) {
        socket.destroy();
        return reject(new Error('the WebSocket handshake answered a wrong Sec-WebSocket-Accept'));
      }
      socket.setTimeout(0);
      resolve(attach(socket, head, handlers));
    });
    req.end();
  });
}

function attach(socket: Duplex, head: Buffer, handlers: WebSocketHandlers): WebSocketConnection {
  let buffer = head;
  let fragments: Buffer[] = [];
  let fragmentType = 0;
  let closed = false;
  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    socket.destroy();
    handlers.onClose(reason);
  };
  const send = (opcode: number, payload: Buffer) => {
    if (!socket.destroyed) socket.write(frame(opcode, payload));
  };

  /** Takes whole frames off the front of the buffer; false when a frame is incomplete. */
  const parseOne = (): boolean => {
    if (buffer.length < 2) return false;
    const b0 = buffer[0]!;
    const b1 = buffer[1]!;
    let offset = 2;
    let len = b1 & 0x7f;
    if (len === 126) {
      if (buffer.length < 4) return false;
      len = buffer.readUInt16BE(2);
      offset = 4;
    } else if (len === 127) {
      if (buffer.length < 10) return false;
      const big = buffer.readBigUInt64BE(2);
      if (big > BigInt(MAX_MESSAGE)) {
        finish('a WebSocket frame was too large');
        return false;
      }
      len = Number(big);
      offset = 10;
    }
    const masked = (b1 & 0x80) !== 0;
    const maskAt = offset;
    if (masked) offset += 4;
    if (buffer.length < offset + len) return false;
    let payload = buffer.subarray(offset, offset + len);
    if (masked) {
      const mask = buffer.subarray(maskAt, maskAt + 4);
      payload = Buffer.from(payload.map((v, i) => v ^ mask[i & 3]!));
    }
    buffer = buffer.subarray(offset + len);
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (opcode === 0x8) {
      send(0x8, payload.subarray(0, 2));
      finish(`the server closed the WebSocket${payload.length > 2 ? `: ${payload.subarray(2).toString('utf8')}` : ''}`);
      return false;
    }
    if (opcode === 0x9) send(0xa, payload);
    else if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
      if (opcode !== 0x0) {
        fragments = [];
        fragmentType = opcode;
      }
      fragments.push(payload);
      if (fragments.reduce((n, f) => n + f.length, 0) > MAX_MESSAGE) {
        finish('a WebSocket message was too large');
        return false;
      }
      if (fin) {
        const message = Buffer.concat(fragments);
        fragments = [];
        if (fragmentType === 0x1) handlers.onText(message.toString('utf8'));
      }
    }
    return true;
  };

  const drain = () => {
    while (!closed && parseOne());
  };
  socket.on('data', (d: Buffer) => {
    buffer = buffer.length ? Buffer.concat([buffer, d]) : d;
    drain();
  });
  socket.on('close', () => finish('the WebSocket connection dropped'));
  socket.on('error', (err) => finish(`the WebSocket connection failed: ${err.message}`));
  queueMicrotask(drain); // frames that came with the handshake
  return {
    close() {
      if (closed) return;
      send(0x8, Buffer.from([0x03, 0xe8])); // 1000: normal closure
      socket.end();
      finish('closed');
    },
  };
}
