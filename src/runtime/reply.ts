import { MqttError } from '../errors.js';
import type { PublishOptions } from '../service/mqtt-service.js';
import { short } from './dead-letter.js';
import type { InboundMessage } from './message.js';

/** User properties of an error reply: the error's message (one line, no stack) and code. */
export const REPLY_ERROR_PROPERTY = 'koa-mqtt-error';
export const REPLY_ERROR_CODE_PROPERTY = 'koa-mqtt-error-code';

type Publish = (topic: string, payload: unknown, options: PublishOptions) => Promise<unknown>;

/**
 * MQTT 5 request/response, answering side: when a message carries a response topic, a
 * handler's return value (unless `undefined`) is published there with the request's
 * correlation data, encoded like any publish; a handler error is answered with an empty
 * payload and the `koa-mqtt-error` user property. Replies are not awaited (never block acks).
 */
export class Replier {
  constructor(
    private readonly publish: Publish,
    private readonly report: (error: Error) => void,
  ) {}

  handle(message: InboundMessage, handler: string, value: unknown, error: Error | undefined): void {
    const topic = message.responseTopic;
    if (topic === undefined || (value === undefined && error === undefined)) return;
    const properties: PublishOptions['properties'] = {};
    if (message.correlationData !== undefined) properties.correlationData = message.correlationData;
    if (error) {
      properties.userProperties = {
        [REPLY_ERROR_PROPERTY]: short(error.message) || error.name,
        [REPLY_ERROR_CODE_PROPERTY]: error instanceof MqttError ? error.code : 'ERR_MQTT_HANDLER',
      };
    }
    const qos = message.qos;
    let sent: Promise<unknown>;
    try {
      sent = this.publish(topic, error ? undefined : value, { qos, properties });
    } catch (failure) {
      sent = Promise.reject(failure);
    }
    sent.catch((failure: unknown) =>
      this.report(
        new MqttError(
          `Cannot reply to ${JSON.stringify(topic)} for ${handler}: ${(failure as Error).message}`,
          'ERR_MQTT_REPLY',
          { cause: failure },
        ),
      ),
    );
  }
}
