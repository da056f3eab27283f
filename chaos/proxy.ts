/**
 * A TCP relay in front of a simulator, so an outage can be "connection refused": `refuse()` closes the listener and
 * cuts every open connection, `accept()` listens again on the same port. The simulator behind keeps its jobs.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Relay {
  readonly port: number;
  readonly url: string;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number, port = 0): Promise<Relay> {
  const open = new Set<Socket>();
  let server: Server | undefined;
  const listen = (at: number) => new Promise<number>((resolve, reject) => {
    const srv = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        open.add(s);
        s.once('close', () => open.delete(s));
        s.on('error', () => undefined);
      }
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    srv.once('error', reject).listen(at, '127.0.0.1', () => {
      server = srv;
      resolve((srv.address() as { port: number }).port);
    });
  });
  const stop = async () => {
    const srv = server;
    server = undefined;
    for (const s of open) s.destroy();
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  };
  const bound = await listen(port);
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    refuse: stop,
    async accept() {
      if (!server) await listen(bound);
    },
    close: stop,
  };
}
