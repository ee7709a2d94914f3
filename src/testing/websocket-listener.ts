import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { importOptional } from '../optional-import.js';
import { listen } from './listen.js';

/** An HTTP server upgrading every request to a WebSocket whose byte stream goes to `handle`. */
export interface WebSocketListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves MQTT over WebSocket with the `ws` package (already installed with mqtt.js), loaded on demand
 * so that plain TCP brokers never need it.
 */
export async function startWebSocketListener(
  handle: (stream: Duplex, request: IncomingMessage) => void,
  port: number,
  host: string,
): Promise<WebSocketListener> {
  const { WebSocketServer, createWebSocketStream } = await importOptional(
    'ws',
    'startEmbeddedBroker({ websocketPort })',
    () => import('ws'),
  );
  const http = createServer({ noDelay: true });
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (socket, request) => handle(createWebSocketStream(socket), request));
  await listen(http, port, host);
  return {
    port: (http.address() as AddressInfo).port,
    async close() {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
