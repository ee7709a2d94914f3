import type { MqttConfig } from '../client/config.js';
import type { Connection } from '../client/connection.js';
import type { Subscriber } from '../client/subscriber.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { MqttEvents } from '../dispatch/events.js';
import type { Hooks } from '../dispatch/hooks.js';
import type { MqttMiddleware } from '../dispatch/middleware.js';
import type { MiddlewareResolver } from '../dispatch/pipeline.js';
import type { Router } from '../dispatch/router.js';
import type { MqttSubscriptionError } from '../errors.js';
import type { AckMode, Constructable } from '../metadata/types.js';
import type { PublishInterceptor } from './publish-interceptor.js';

/** What `pause` and `resume` take: a controller class, or one of its `@Topic` filters. */
export type PauseTarget = Constructable | string;

/** Pauses and resumes controller `@Topic` subscriptions (implemented in src/app/pausing.ts). */
export interface ControllerPausing {
  pause(target: PauseTarget): Promise<string[]>;
  resume(target: PauseTarget): Promise<string[]>;
  /** Filters of the paused controller routes. */
  readonly paused: string[];
  /** Whether `filter` is a controller `@Topic`'s, as sent or as written. */
  isControllerFilter(filter: string): boolean;
}

/**
 * The parts of an app that its `MqttService` works with. `MqttApp` (src/app/) is the one
 * implementation; the service depends on this shape, not on the app, so the app can build
 * its service without an import cycle between the two.
 */
export interface MqttServiceHost {
  readonly config: MqttConfig;
  readonly connection: Connection;
  readonly router: Router;
  readonly hooks: Hooks;
  readonly subscriber: Subscriber;
  readonly dispatcher: Dispatcher;
  readonly events: MqttEvents;
  /** The app-wide ack mode, the default of runtime subscriptions. */
  readonly ack: AckMode;
  /** Interceptors around every publish (tracing), outermost first. */
  readonly publishInterceptors: readonly PublishInterceptor[];
  /** Resolves middleware classes of runtime handlers (the app's container). */
  readonly middlewareResolver: MiddlewareResolver;
  /** The app-wide middleware; calling it closes `use()`. */
  appMiddleware(): readonly MqttMiddleware[];
  /** Controller subscriptions the broker refused after start (a late SUBACK), for `/health`. */
  readonly subscriptionErrors: readonly MqttSubscriptionError[];
  /** Pausing of controller `@Topic`s (`pause`, `resume`). */
  readonly pausing: ControllerPausing;
  /** The broker's Topic Alias Maximum (MQTT 5 CONNACK; 0: none); undefined when not known. */
  readonly topicAliasMaximum: number | undefined;
}
