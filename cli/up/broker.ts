// The embedded MQTT broker of `wardwatch up` (aedes), on loopback only. When the preferred
// port is taken (many machines already run Mosquitto on 1883) it takes a free port instead
// and says so; the caller points its agent and correlator at whatever port it got.

import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

export interface EmbeddedBroker {
  host: string;
  port: number;
  /** The port asked for, when it was taken and another was used. */
  fallbackFrom?: number;
  url: string;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export async function startEmbeddedBroker(port: number, host = '127.0.0.1'): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker({ heartbeatInterval: 60_000 });
  const server = createServer(aedes.handle);
  let actual: number;
  let fallbackFrom: number | undefined;
  try {
    actual = await listen(server, port, host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    fallbackFrom = port;
    actual = await listen(server, 0, host);
  }
  return {
    host,
    port: actual,
    ...(fallbackFrom !== undefined ? { fallbackFrom } : {}),
    url: `mqtt://${host}:${actual}`,
    async close() {
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
