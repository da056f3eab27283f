/** A real local webhook receiver: records every request and answers from a script of status codes. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received { at: number; path: string; headers: IncomingHttpHeaders; body: string; answered: number }

export interface Receiver {
  url: string;
  received: Received[];
  /** Status per request path: each call takes the next code, the last one repeats (default 200). */
  script: Map<string, number[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const script = new Map<string, number[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const codes = script.get(path) ?? [];
      const answered = codes.length > 1 ? codes.shift()! : codes[0] ?? 200;
      received.push({ at: Date.now(), path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, received, script,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
