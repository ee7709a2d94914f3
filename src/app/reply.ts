import type { PublishOptions } from '../client/publish-options.js';
import { MqttError } from '../errors.js';
import { encodePayload } from '../payload/encode.js';
import type { InboundMessage } from '../payload/message.js';
import { REPLY_ERROR_CODE_PROPERTY, REPLY_ERROR_PROPERTY } from '../payload/reply-properties.js';
import { short } from './dead-letter.js';

const EMPTY = Buffer.alloc(0);

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
    let payload: Buffer | string = EMPTY;
    let failure = error;
    if (!failure) {
      try {
        const encoded = encodePayload(value);
        payload = encoded.payload;
        if (encoded.contentType) properties.contentType = encoded.contentType;
      } catch (encodeError) {
        // Answered as an error, so that the caller does not wait in vain.
        failure = encodeError as Error;
        this.report(
          new MqttError(`Cannot encode the reply of ${handler}: ${failure.message}`, 'ERR_MQTT_ENCODE', {
            cause: encodeError,
          }),
        );
      }
    }
    if (failure) {
      properties.userProperties = {
        [REPLY_ERROR_PROPERTY]: short(failure.message) || failure.name,
        [REPLY_ERROR_CODE_PROPERTY]: failure instanceof MqttError ? failure.code : 'ERR_MQTT_HANDLER',
      };
    }
    const sent = this.publish(topic, payload, { qos: message.qos, properties });
    sent.catch((publishError: unknown) =>
      this.report(
        new MqttError(
          `Cannot reply to ${JSON.stringify(topic)} for ${handler}: ${(publishError as Error).message}`,
          'ERR_MQTT_REPLY',
          { cause: publishError },
        ),
      ),
    );
  }
}
