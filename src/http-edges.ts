/**
 * What reaches the server before Fastify routes a request: malformed framing, oversized headers, requests that never
 * finish arriving, and JSON nested deep enough to exhaust the stack. Each gets the error envelope, never a bare body.
 */
import type { Socket } from 'node:net';
import { envelope, type ErrorCode } from './errors.js';

/** Deepest nesting of arrays/objects a JSON body may have (far beyond any real request; keeps recursion bounded). */
export const MAX_JSON_DEPTH = 64;

const ANSWERS: Record<string, [number, ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'invalid_request', 'the request headers are larger than the limit (16 KiB); send fewer or shorter headers'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'invalid_request', 'the request did not arrive in time; check that Content-Length matches the body'],
};
const REASON: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** Fastify's `clientErrorHandler`: the envelope on the raw socket, then the socket is closed. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = ANSWERS[err.code ?? ''] ?? [400, 'invalid_request', `the request is not valid HTTP (${err.code ?? 'parse error'})`];
  const body = JSON.stringify(envelope(code, message));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${REASON[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

/** True when JSON text nests arrays/objects deeper than `max` (a scan of the text: strings are skipped). */
export function nestsTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // a backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}
