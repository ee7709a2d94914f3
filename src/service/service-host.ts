import type { MqttConfig } from '../client/config.js';
import type { Connection } from '../client/connection.js';
import type { Subscriber } from '../client/subscriber.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { MqttEvents } from '../dispatch/events.js';
import type { Hooks } from '../dispatch/hooks.js';
import type { Router } from '../dispatch/router.js';
import type { AckMode } from '../metadata/types.js';

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
}
