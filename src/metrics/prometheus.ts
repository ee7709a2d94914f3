import type { Counter, MetricType, Registry } from 'prom-client';
import { MqttApp } from '../app/app.js';
import type { DispatchObserver } from '../dispatch/observer.js';
import { addObserver } from '../dispatch/observer.js';
import type { Route } from '../dispatch/router.js';
import { MqttError } from '../errors.js';
import { importOptional } from '../optional-import.js';
import type { MqttServiceHost } from '../service/service-host.js';
import { HandlerTally, histogramValues } from './tallies.js';

/** Options of {@link mqttMetrics}. */
export interface MqttMetricsOptions {
  /** Where the metrics are registered. Default: prom-client's global `register`. */
  readonly registry?: Registry;
  /** Prefix of every metric name. Default `mqtt_`. */
  readonly prefix?: string;
  /** Buckets of the handler duration histogram, in seconds. */
  readonly buckets?: readonly number[];
}

/** What {@link mqttMetrics} set up. */
export interface MqttMetrics {
  readonly registry: Registry;
  /** Stops counting (the metrics stay registered with their last values). */
  stop(): void;
}

/** Handler durations are usually well under a millisecond; the defaults reach 10 s. */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [
  0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * Registers Prometheus metrics for an app (prom-client, an optional peer dependency) and
 * keeps them current. `source`: the `MqttApp`, its `MqttService`, or the `useMqtt` handle. Names (with the default prefix):
 * - `mqtt_messages_received_total`: PUBLISH packets received;
 * - `mqtt_handler_received_total{handler}` / `mqtt_handler_handled_total{handler}`: handler runs
 *   started / finished without error (`handler` is `Class.method`, or the runtime filter);
 * - `mqtt_handler_failures_total{handler,error}`: runs that threw, by error class name;
 * - `mqtt_handler_duration_seconds{handler}`: histogram of every run;
 * - `mqtt_publishes_total`, `mqtt_publish_failures_total{error}`;
 * - `mqtt_reconnects_total`: successful reconnects; `mqtt_connection_errors_total`;
 * - `mqtt_messages_in_flight`, `mqtt_connected` (0/1), `mqtt_subscriptions`: gauges read at scrape time;
 * - flow control (docs/delivery.md): `mqtt_messages_queued` and `mqtt_reading_paused` gauges,
 *   `mqtt_messages_dropped_total`, `mqtt_read_pauses_total`, `mqtt_handler_timeouts_total`,
 *   `mqtt_redeliveries_joined_total`.
 */
export async function mqttMetrics(
  source: MqttApp | { readonly app: MqttServiceHost },
  options: MqttMetricsOptions = {},
): Promise<MqttMetrics> {
  const prom = await loadPromClient();
  const app: MqttServiceHost = source instanceof MqttApp ? source : source.app;
  const registry = options.registry ?? prom.register;
  const prefix = options.prefix ?? 'mqtt_';
  const registers = [registry];
  const counter = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (this: Counter<L>) => void,
  ) => new prom.Counter<L>({ name: prefix + name, help, labelNames, registers, collect });
  const gauge = (name: string, help: string, read: () => number) =>
    new prom.Gauge({
      name: prefix + name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });

  // Hot path: plain numbers, turned into series at scrape time (see tallies.ts).
  const bounds = [...(options.buckets ?? DEFAULT_DURATION_BUCKETS)].sort((x, y) => x - y);
  const tallies = new Map<string, HandlerTally>();
  let received = 0;
  counter('messages_received_total', 'MQTT PUBLISH packets received', [], function () {
    this.reset();
    this.inc(received);
  });
  counter('handler_received_total', 'Handler runs started', ['handler'], function () {
    this.reset();
    for (const t of tallies.values()) this.inc({ handler: t.handler }, t.received);
  });
  counter('handler_handled_total', 'Handler runs finished without error', ['handler'], function () {
    this.reset();
    for (const t of tallies.values()) this.inc({ handler: t.handler }, t.handled);
  });
  counter(
    'handler_failures_total',
    'Handler runs that threw or rejected, by error class',
    ['handler', 'error'],
    function () {
      this.reset();
      for (const t of tallies.values()) {
        for (const [error, count] of t.failures) this.inc({ handler: t.handler, error }, count);
      }
    },
  );
  const durationName = `${prefix}handler_duration_seconds`;
  const durationHelp = 'Handler run time in seconds (until an async handler settled)';
  /** prom-client's Histogram, its values read from the tallies instead of its own observe(). */
  class TallyHistogram extends prom.Histogram<'handler'> {
    override async get() {
      const values = histogramValues(durationName, bounds, tallies.values());
      return {
        name: durationName,
        help: durationHelp,
        type: 'histogram' as unknown as MetricType,
        aggregator: 'sum' as const,
        values,
        collect: () => {},
      };
    }
    /** What the registry calls when it renders the text format (prom-client 15). */
    getForPromString() {
      return this.get();
    }
  }
  new TallyHistogram({
    name: durationName,
    help: durationHelp,
    labelNames: ['handler'],
    buckets: bounds,
    registers,
  });
  const publishes = counter('publishes_total', 'Publishes written (QoS 0) or acknowledged (QoS 1/2)');
  const publishFailures = counter('publish_failures_total', 'Publishes that failed, by error class', [
    'error',
  ]);
  const reconnects = counter('reconnects_total', 'Successful reconnects to the broker');
  const connectionErrors = counter('connection_errors_total', 'Connection errors reported by the client');
  gauge('messages_in_flight', 'Handler executions running now', () => app.dispatcher.inFlight);
  const flow = app.dispatcher.stats;
  gauge('messages_queued', 'Messages received and waiting for a handler slot', () => app.dispatcher.queued);
  gauge('reading_paused', '1 while reading from the broker is paused (too many QoS 1/2 queued)', () =>
    app.dispatcher.paused ? 1 : 0,
  );
  counter('messages_dropped_total', 'QoS 0 messages dropped by the overflow policy', [], function () {
    this.reset();
    this.inc(flow.dropped);
  });
  counter(
    'read_pauses_total',
    'Times reading paused because too many QoS 1/2 messages waited',
    [],
    function () {
      this.reset();
      this.inc(flow.pauses);
    },
  );
  counter('handler_timeouts_total', 'Handler runs failed by their handlerTimeout', [], function () {
    this.reset();
    this.inc(flow.timeouts);
  });
  counter(
    'redeliveries_joined_total',
    'Redelivered copies of a message still being handled, acknowledged with it instead of run again',
    [],
    function () {
      this.reset();
      this.inc(flow.redeliveries);
    },
  );
  gauge('connected', '1 while connected to the broker, else 0', () => (app.connection.connected ? 1 : 0));
  gauge(
    'subscriptions',
    'Subscriptions wanted (active or pending)',
    () => app.subscriber.table.info().length,
  );

  const byRoute = new WeakMap<Route, HandlerTally>();
  const tallyOf = (route: Route): HandlerTally => {
    let tally = byRoute.get(route);
    if (!tally) {
      const handler = handlerName(route);
      tally = tallies.get(handler) ?? new HandlerTally(handler, bounds);
      tallies.set(handler, tally);
      byRoute.set(route, tally);
    }
    return tally;
  };
  const observer: DispatchObserver = {
    received: () => {
      received++;
    },
    started: (route) => {
      tallyOf(route).received++;
    },
    settled: (route, _message, ms, error) => {
      const tally = tallyOf(route);
      tally.observe(ms / 1000);
      if (error) tally.fail(errorClass(error));
      else tally.handled++;
    },
  };
  const removeObserver = addObserver(app.dispatcher, observer);
  const onPublish = () => publishes.inc();
  const onPublishError = ({ error }: { error: Error }) => publishFailures.labels(errorClass(error)).inc();
  const onConnect = ({ reconnect }: { reconnect: boolean }) => {
    if (reconnect) reconnects.inc();
  };
  const onError = (_error: Error, ctx: unknown) => {
    if (ctx === undefined) connectionErrors.inc();
  };
  app.events.on('publish', onPublish);
  app.events.on('publishError', onPublishError);
  app.events.on('connect', onConnect);
  app.events.on('error', onError);
  return {
    registry,
    stop() {
      removeObserver();
      app.events.off('publish', onPublish);
      app.events.off('publishError', onPublishError);
      app.events.off('connect', onConnect);
      app.events.off('error', onError);
    },
  };
}

function handlerName(route: Route): string {
  return route.handler?.name ?? route.pattern.pattern;
}

/** `PayloadValidationError`, `TypeError`…: the class of what was thrown. */
function errorClass(error: Error): string {
  return error.constructor?.name || error.name || 'Error';
}

async function loadPromClient(): Promise<typeof import('prom-client')> {
  try {
    return await importOptional('prom-client', 'mqttMetrics', () => import('prom-client'));
  } catch (error) {
    if (error instanceof MqttError && error.code === 'ERR_MQTT_MISSING_DEPENDENCY') {
      throw new MqttError(
        'mqttMetrics needs prom-client, an optional peer dependency: npm install prom-client',
        'ERR_MQTT_MISSING_DEPENDENCY',
        { cause: error.cause },
      );
    }
    throw error;
  }
}
