import { MqttError } from '../errors.js';
import type { MqttReply } from './reply-message.js';

/** The responder of an MQTT 5 request answered with an error (its handler failed). */
export class MqttRemoteError extends MqttError {
  /** The response topic the error reply came on. */
  readonly topic: string;
  /** The responder's error code (`koa-mqtt-error-code`), e.g. `ERR_MQTT_PAYLOAD`. */
  readonly remoteCode: string | undefined;
  /** The error reply itself. */
  readonly reply: MqttReply;

  constructor(topic: string, message: string, remoteCode: string | undefined, reply: MqttReply) {
    super(`The responder failed: ${message}`, 'ERR_MQTT_REMOTE');
    this.topic = topic;
    this.remoteCode = remoteCode;
    this.reply = reply;
  }
}
