import type { Middleware } from 'koa';
import type { SubscriptionInfo } from '../client/subscriptions.js';
import { MqttError } from '../errors.js';
import type { MqttService } from '../service/mqtt-service.js';

/** The body `mqttHealth()` answers with. */
export interface MqttHealthReport {
  /** `ok` while connected, `unavailable` otherwise. */
  readonly status: 'ok' | 'unavailable';
  readonly connected: boolean;
  /** The broker URL without credentials. */
  readonly broker: string;
  readonly clientId: string;
  readonly protocolVersion: number;
  readonly subscriptions: SubscriptionInfo[];
  /** Handler executions running now. */
  readonly inFlight: number;
  /** Messages waiting for a handler slot. */
  readonly queued: number;
  /** Controller subscriptions the broker refused after start (a late SUBACK); any makes the status 503. */
  readonly subscriptionErrors: ReadonlyArray<{ readonly filter: string; readonly reasonCode: number }>;
}

/** Options of {@link mqttHealth}. */
export interface MqttHealthOptions {
  /** Answer only `GET`/`HEAD` requests to this path and pass others on; unset: answer every request (for a router). */
  path?: string | undefined;
  /** The service to report on; default `ctx.mqtt`. */
  service?: MqttService | undefined;
}

/**
 * The health of `service` and the HTTP status to answer with: 200 while connected with every
 * controller subscription accepted, 503 otherwise.
 */
export function mqttHealthReport(service: MqttService): { status: 200 | 503; body: MqttHealthReport } {
  const connected = service.connected;
  const subscriptionErrors = service.app.subscriptionErrors.map((error) => ({
    filter: error.filter,
    reasonCode: error.reasonCode,
  }));
  const ok = connected && subscriptionErrors.length === 0;
  return {
    status: ok ? 200 : 503,
    body: {
      status: ok ? 'ok' : 'unavailable',
      connected,
      broker: service.brokerUrl,
      clientId: service.clientId,
      protocolVersion: service.protocolVersion,
      subscriptions: service.topics,
      inFlight: service.inFlight,
      queued: service.queued,
      subscriptionErrors,
    },
  };
}

/**
 * Koa middleware answering a JSON {@link MqttHealthReport}: 200 while connected to the
 * broker, 503 otherwise. `router.get('/health', mqttHealth())` or `app.use(mqttHealth({ path: '/health' }))`.
 */
export function mqttHealth(options: MqttHealthOptions = {}): Middleware {
  return async (ctx, next) => {
    if (options.path !== undefined && (ctx.path !== options.path || !['GET', 'HEAD'].includes(ctx.method))) {
      return next();
    }
    const service = options.service ?? (ctx.mqtt as MqttService | undefined);
    if (!service)
      throw new MqttError('mqttHealth(): ctx.mqtt is not set; call useMqtt(app) or pass { service }');
    const { status, body } = mqttHealthReport(service);
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
}
