import { InvalidTopicError, MqttConnectionError, MqttProtocolError, MqttSubscriptionError } from 'koa-mqtt';
import { BadRequestError, HttpError } from 'routing-controllers';

/** Library errors as HTTP errors: bad input 400, a refused subscription 403, no broker 503. */
export function toHttpError(error: unknown): Error {
  if (error instanceof InvalidTopicError || error instanceof MqttProtocolError) {
    return new BadRequestError(error.message);
  }
  if (error instanceof MqttSubscriptionError) return new HttpError(403, error.message);
  if (error instanceof MqttConnectionError) return new HttpError(503, error.message);
  return error instanceof Error ? error : new Error(String(error));
}
