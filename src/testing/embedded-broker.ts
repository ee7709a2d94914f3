import { type AddressInfo, createServer, type Socket } from 'node:net';
import type { Aedes, AedesOptions, AuthErrorCode, AuthenticateError, Client } from 'aedes';
import { importOptional } from '../optional-import.js';
import { listen } from './listen.js';
import { startWebSocketListener, type WebSocketListener } from './websocket-listener.js';

/** What a client presented in its CONNECT packet. */
export interface EmbeddedBrokerCredentials {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: Buffer | undefined;
}

/** Options of {@link startEmbeddedBroker}. */
export interface EmbeddedBrokerOptions {
  /** TCP port to listen on; 0 (the default) picks a free port. */
  port?: number;
  /** Address to bind; defaults to `127.0.0.1`. */
  host?: string;
  /** Also serve MQTT over WebSocket on this port (0 = a free port). Uses the `ws` package. */
  websocketPort?: number;
  /**
   * Accepts or refuses each CONNECT. A refusal answers CONNACK 4 (bad username or password);
   * a thrown error answers 5 (not authorized). Replaces `aedesOptions.authenticate`.
   */
  authenticate?: (credentials: EmbeddedBrokerCredentials) => boolean | Promise<boolean>;
  /** Passed to `Aedes.createBroker()`: hooks such as `authorizeSubscribe`, limits such as `queueLimit`. */
  aedesOptions?: AedesOptions;
}

/** A running in-process aedes broker. aedes speaks MQTT 3.1.1 only. */
export interface EmbeddedBroker {
  /** `mqtt://host:port`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** `ws://host:port` when `websocketPort` was given. */
  readonly wsUrl: string | undefined;
  readonly websocketPort: number | undefined;
  /** The aedes instance, for events (`client`, `publish`, `subscribe`…) and server-side publishes. */
  readonly aedes: Aedes;
  /**
   * Publishes from the broker itself, as if a device had: subscribers get it like any message.
   * Objects are sent as JSON, strings as UTF-8. Resolves once the broker has routed it. For tests
   * that need no MQTT client of their own (and so no direct dependency on `mqtt`).
   */
  publish(topic: string, payload: EmbeddedPayload, options?: EmbeddedPublishOptions): Promise<void>;
  /** Disconnects every client and closes the listeners and the broker. Idempotent. */
  close(): Promise<void>;
}

/** What {@link EmbeddedBroker.publish} sends: bytes, text, or a value sent as JSON. */
export type EmbeddedPayload = Buffer | string | number | boolean | object;

/** Options of {@link EmbeddedBroker.publish}. */
export interface EmbeddedPublishOptions {
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

/**
 * Starts an aedes broker on a TCP server created with `noDelay: true` (without it, QoS 1 round
 * trips wait 40–90 ms for Nagle's algorithm). `aedes` is an optional peer dependency, loaded here.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const { Aedes: AedesClass } = await importOptional('aedes', 'startEmbeddedBroker', () => import('aedes'));
  const aedes = await AedesClass.createBroker(brokerOptions(options));

  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  let ws: WebSocketListener | undefined;
  try {
    await listen(server, options.port ?? 0, host);
    if (options.websocketPort !== undefined) {
      ws = await startWebSocketListener(
        (stream, request) => aedes.handle(stream, request),
        options.websocketPort,
        host,
      );
    }
  } catch (error) {
    await shutdown(aedes, server, sockets, ws);
    throw error;
  }

  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `mqtt://${urlHost(host)}:${port}`,
    host,
    port,
    wsUrl: ws ? `ws://${urlHost(host)}:${ws.port}` : undefined,
    websocketPort: ws?.port,
    aedes,
    publish: (topic, payload, publishOptions) => brokerPublish(aedes, topic, payload, publishOptions),
    close() {
      closing ??= shutdown(aedes, server, sockets, ws);
      return closing;
    },
  };
}

function brokerPublish(
  aedes: Aedes,
  topic: string,
  payload: EmbeddedPayload,
  { qos = 0, retain = false }: EmbeddedPublishOptions = {},
): Promise<void> {
  const bytes = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    aedes.publish({ cmd: 'publish', topic, payload: bytes, qos, retain, dup: false }, (error) =>
      error ? reject(error) : resolve(),
    );
  });
}

function brokerOptions(options: EmbeddedBrokerOptions): AedesOptions {
  const { authenticate } = options;
  if (!authenticate) return { ...options.aedesOptions };
  return {
    ...options.aedesOptions,
    authenticate(client: Client, username, password, done) {
      const credentials = { clientId: client.id, username, password };
      Promise.resolve()
        .then(() => authenticate(credentials))
        .then(
          (accepted) => (accepted ? done(null, true) : done(refusal(), false)),
          (error: unknown) => done(asAuthError(error), false),
        );
    },
  };
}

function refusal(): AuthenticateError {
  return Object.assign(new Error('Bad username or password'), { returnCode: 4 as AuthErrorCode });
}

function asAuthError(error: unknown): AuthenticateError {
  const base = error instanceof Error ? error : new Error(String(error));
  return Object.assign(base, { returnCode: 5 as AuthErrorCode });
}

async function shutdown(
  aedes: Aedes,
  server: ReturnType<typeof createServer>,
  sockets: Set<Socket>,
  ws: WebSocketListener | undefined,
): Promise<void> {
  const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  await ws?.close();
  await new Promise<void>((resolve) => aedes.close(() => resolve()));
  // Connections that never sent CONNECT are not aedes clients; end them too.
  for (const socket of sockets) socket.destroy();
  await serverClosed;
}

/** Brackets an IPv6 literal for use in a URL. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
