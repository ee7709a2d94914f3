import { createServer, type Server } from 'node:http';
import type { ListenOptions } from 'node:net';
import type Koa from 'koa';
import { createMqttApp, type MqttApp, type MqttPlugin } from '../app/app.js';
import type { MqttAppOptions } from '../app/options.js';
import type { MiddlewareLike } from '../dispatch/middleware.js';
import { MqttError } from '../errors.js';
import { consoleLogger } from '../logger.js';
import { checkOptions, type Rule, rules } from '../metadata/option-rules.js';
import { MqttService } from '../service/mqtt-service.js';
import './context.js';
import { closeServer } from './close-server.js';

/** Options of {@link useMqtt}: everything `createMqttApp` takes, and how HTTP and MQTT start together. */
export interface UseMqttOptions extends MqttAppOptions {
  /**
   * `listen()` starts HTTP at once and connects MQTT in the background (health answers 503 until
   * connected). An unreachable broker is retried with the reconnect backoff
   * (`retryInitialConnect`); a refusal (bad credentials) is logged and not retried.
   * Default false: MQTT first, HTTP only once it is up.
   */
  connectInBackground?: boolean | undefined;
}

/** What {@link useMqtt} returns: one lifecycle for the Koa app's HTTP servers and its MQTT app. */
export interface MqttKoaHandle {
  /** The MQTT app (controllers, connection, hooks). */
  readonly app: MqttApp;
  /** The same instance as `ctx.mqtt` and, with a container, `Container.get(MqttService)`. */
  readonly service: MqttService;
  /**
   * Adds app-wide middleware `(ctx, next)` around every MQTT handler (or a middleware class, or a
   * plug-in such as `otel()`), like Koa's `app.use`. Before `start()`/`listen()` only. Chainable.
   */
  use(middleware: MiddlewareLike | MqttPlugin): MqttKoaHandle;
  /** Connects and subscribes every controller topic. Idempotent. */
  start(): Promise<void>;
  /**
   * Closes the HTTP servers it listens on or was attached to (waiting for requests in flight),
   * then stops MQTT gracefully: no new messages, handlers in flight finish (up to
   * `stopTimeout`), a clean DISCONNECT (no last will). Idempotent; safe before `start()`.
   */
  stop(): Promise<void>;
  /**
   * Like Koa's `app.listen`, but MQTT connects and subscribes first; HTTP listens only once
   * that succeeded. A broker that refuses or cannot be reached rejects with
   * `MqttConnectionError` and leaves no server listening. Resolves when listening.
   */
  listen(port?: number, hostname?: string): Promise<Server>;
  listen(options: ListenOptions): Promise<Server>;
  /** Ties a server created elsewhere (`http.createServer(app.callback())`) to MQTT: its 'close' stops MQTT. */
  attach(server: Server): Server;
}

/** `useMqtt`'s own options; the rest are checked by `createMqttApp`. */
const USE_MQTT_RULES = {
  connectInBackground: rules.boolean,
} as const satisfies Record<Exclude<keyof UseMqttOptions, keyof MqttAppOptions>, Rule>;

/** A DI container that can also be given an instance, as typedi's `Container.set(token, value)`. */
interface SettableContainer {
  set(token: typeof MqttService, value: MqttService): unknown;
}

/**
 * Adds MQTT to a Koa app: creates the MQTT app, sets `app.context.mqtt` (so `ctx.mqtt` in
 * every middleware), and registers the `MqttService` in `options.container` when it has `set`
 * (typedi), so constructor injection and `Container.get(MqttService)` give the live instance.
 */
export function useMqtt(app: Koa, options: UseMqttOptions = {}): MqttKoaHandle {
  checkOptions('useMqtt', USE_MQTT_RULES, options);
  const { connectInBackground = false, ...appOptions } = options;
  const mqtt = createMqttApp({
    ...appOptions,
    retryInitialConnect: appOptions.retryInitialConnect ?? connectInBackground,
  });
  const logger = appOptions.logger ?? consoleLogger;
  const stopTimeout = appOptions.stopTimeout ?? 10_000;
  app.context.mqtt = mqtt.service;
  if (isSettable(options.container)) options.container.set(MqttService, mqtt.service);

  const servers = new Set<Server>();
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all([...servers].map((server) => closeServer(server, stopTimeout)));
      await mqtt.stop();
    })();
    return stopping;
  };

  const attach = (server: Server): Server => {
    if (servers.has(server)) return server;
    if (stopping) {
      void closeServer(server, stopTimeout);
      return server;
    }
    servers.add(server);
    server.once('close', () => {
      servers.delete(server);
      void mqtt.stop();
    });
    return server;
  };

  const listen = async (...args: [number?, string?] | [ListenOptions]): Promise<Server> => {
    if (stopping) throw new MqttError('This Koa MQTT handle was stopped; create a new app to listen again');
    if (connectInBackground) {
      const server = await startHttp(app, args, attach);
      mqtt.start().catch((error: unknown) => {
        logger.error({ err: error, broker: mqtt.config.brokerUrl }, 'MQTT failed to start in the background');
      });
      return server;
    }
    await mqtt.start();
    if (stopping) throw new MqttError('stop() was called while listen() was connecting; not listening');
    try {
      return await startHttp(app, args, attach);
    } catch (error) {
      await mqtt.stop();
      throw error;
    }
  };

  const handle: MqttKoaHandle = {
    app: mqtt,
    service: mqtt.service,
    use: (middleware) => {
      mqtt.use(middleware);
      return handle;
    },
    start: () => mqtt.start(),
    stop,
    listen: listen as MqttKoaHandle['listen'],
    attach,
  };
  return handle;
}

/** Creates the HTTP server, attaches it, and resolves once it listens (rejects on e.g. EADDRINUSE). */
function startHttp(
  app: Koa,
  args: [number?, string?] | [ListenOptions],
  attach: (server: Server) => Server,
): Promise<Server> {
  const server = createServer(app.callback());
  return new Promise<Server>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      attach(server);
      resolve(server);
    });
    const [first, hostname] = args;
    if (typeof first === 'object') server.listen(first);
    else server.listen(first ?? 0, hostname);
  });
}

function isSettable(container: unknown): container is SettableContainer {
  return typeof (container as Partial<SettableContainer> | undefined)?.set === 'function';
}
