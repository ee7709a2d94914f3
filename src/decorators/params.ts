import { checkOptions, checkValue, PAYLOAD_RULES, rules } from '../metadata/option-rules.js';
import { addParam, handlerRecordOf } from '../metadata/registry.js';
import type { ParamKind, PayloadOptions } from '../metadata/types.js';
import { methodName } from './method-key.js';

function param(kind: ParamKind, decorator: string, extra: { name?: string; payload?: PayloadOptions } = {}) {
  return (target: object, key: string | symbol | undefined, index: number): void => {
    const method = methodName(target, key, decorator);
    const where = `${decorator} on ${target.constructor.name}.${method} (parameter ${index})`;
    if (kind === 'topic-param') checkValue(where, 'name', extra.name, rules.nonEmptyString);
    if (kind === 'payload') checkOptions(where, PAYLOAD_RULES, extra.payload);
    // Absent when the class was compiled without `emitDecoratorMetadata` (tsx, esbuild, Vitest):
    // checked at bootstrap, where a parameter whose type matters must then name it.
    const types = Reflect.getMetadata('design:paramtypes', target, method) as unknown[] | undefined;
    addParam(handlerRecordOf(target.constructor, method), {
      index,
      kind,
      type: extra.payload?.type ?? types?.[index],
      typeKnown: extra.payload?.type !== undefined || types !== undefined,
      ...extra,
    });
  };
}

const NO_PAYLOAD_OPTIONS: PayloadOptions = Object.freeze({});

/**
 * The message payload, decoded by the declared type: `Buffer` raw bytes, `string`
 * UTF-8 text, `number`/`boolean` parsed from text, a plain object or a class JSON
 * (a class-validator DTO is transformed and validated). Options: `type` (the type, where
 * decorator metadata is missing: tsx, esbuild, Vitest), a custom `decoder`, `validate`
 * (false, or class-validator options merged over the app's `validation`), `whitelist`,
 * `forbidNonWhitelisted`. See docs/payloads.md.
 */
export function Payload(options: PayloadOptions = NO_PAYLOAD_OPTIONS): ParameterDecorator {
  return param('payload', '@Payload', { payload: options });
}

/** One named parameter of the topic pattern (`+deviceId` → `@TopicParam('deviceId')`). */
export function TopicParam(name: string): ParameterDecorator {
  return param('topic-param', '@TopicParam', { name });
}

/** All named parameters of the topic pattern, as `Record<string, string>`. */
export function Params(): ParameterDecorator {
  return param('params', '@Params');
}

/** The topic the message was published to. */
export function TopicName(): ParameterDecorator {
  return param('topic', '@TopicName');
}

/** The raw mqtt.js `IPublishPacket`. */
export function Packet(): ParameterDecorator {
  return param('packet', '@Packet');
}

/** The `MqttContext` of the message (topic, params, payload, qos, properties, json(), text()). */
export function Ctx(): ParameterDecorator {
  return param('context', '@Ctx');
}
