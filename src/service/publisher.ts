import { MqttDefinitionError, MqttPublishError } from '../errors.js';
import type { Constructable, PayloadType, QoS } from '../metadata/types.js';
import { parsePattern, type TopicParamNames, type TopicParamsOf, type TopicPattern } from '../topic/index.js';

/**
 * Declared publishers: a topic pattern with named levels, its QoS and its payload type, declared
 * once (`service.publisher('alerts/+level', { qos: 1, payload: AlertDto })`). The returned
 * object's `publish` fills the pattern from typed parameters, so the topics an app publishes
 * and the ones its AsyncAPI document lists (`koa-mqtt/asyncapi`) come from the same place.
 */

/** The value type a `payload` option stands for: `String` → string, `AlertDto` → AlertDto. */
export type PayloadOf<C> = C extends StringConstructor
  ? string
  : C extends NumberConstructor
    ? number
    : C extends BooleanConstructor
      ? boolean
      : C extends typeof Buffer | Uint8ArrayConstructor
        ? Uint8Array
        : C extends ArrayConstructor
          ? readonly unknown[]
          : C extends ObjectConstructor
            ? object
            : C extends Constructable<infer T>
              ? T
              : unknown;

/** Options of `MqttService.publisher`. */
export interface PublisherOptions<C extends PayloadType = PayloadType> {
  /** QoS of every publish (a call may override it). Default 0. */
  readonly qos?: QoS;
  /** RETAIN flag of every publish (a call may override it). Default false. */
  readonly retain?: boolean;
  /** The payload's type: a class-validator DTO, `String`, `Number`, `Boolean`, `Buffer`… (documentation and typing). */
  readonly payload?: C;
  /** One line for the AsyncAPI document. */
  readonly summary?: string;
  /** Free text for the AsyncAPI document. */
  readonly description?: string;
}

/** A declared publisher, as the AsyncAPI generator reads it. */
export interface PublisherDefinition {
  /** The pattern as declared, e.g. `alerts/+level`. */
  readonly source: string;
  readonly pattern: TopicPattern;
  readonly qos: QoS;
  readonly retain: boolean;
  /** The `payload` option (undefined: not declared). */
  readonly payload: PayloadType | undefined;
  readonly summary: string | undefined;
  readonly description: string | undefined;
}

/** The arguments of `publish`: parameters first when the pattern has named levels. */
export type PublisherArgs<P extends string, T, O> = [TopicParamNames<P>] extends [never]
  ? string extends P
    ? [params: TopicParamsOf<P>, payload: T, options?: O]
    : [payload: T, options?: O]
  : [params: TopicParamsOf<P>, payload: T, options?: O];

/** Builds the topic of one publish from a pattern's named levels; made once, at declaration. */
export type TopicBuilder = (params: Readonly<Record<string, string>>) => string;

/**
 * Parses and checks a publisher pattern: every wildcard level must be named (a PUBLISH needs a
 * concrete topic) and it cannot be a `$share/` pattern. Throws `MqttDefinitionError` otherwise.
 */
export function definePublisher(source: string, options: PublisherOptions): PublisherDefinition {
  let pattern: TopicPattern;
  try {
    pattern = parsePattern(source);
  } catch (error) {
    throw new MqttDefinitionError(`publisher(${JSON.stringify(source)}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (pattern.group !== undefined) {
    throw new MqttDefinitionError(
      `publisher(${JSON.stringify(source)}): a $share/ pattern is a subscription, not a topic to publish to`,
    );
  }
  const levels = pattern.pattern.split('/');
  const unnamed = levels.find((level) => level === '+' || level === '#');
  if (unnamed !== undefined) {
    throw new MqttDefinitionError(
      `publisher(${JSON.stringify(source)}): the wildcard level "${unnamed}" has no name; name it (+name, #name) so publish() can fill it`,
    );
  }
  const qos = options.qos ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2) {
    throw new MqttDefinitionError(
      `publisher(${JSON.stringify(source)}): qos must be 0, 1 or 2, got ${String(qos)}`,
    );
  }
  return {
    source,
    pattern,
    qos,
    retain: options.retain ?? false,
    payload: options.payload,
    summary: options.summary,
    description: options.description,
  };
}

/**
 * The function filling `definition`'s named levels: `+name` with one level (non-empty, no '/',
 * '+', '#'), `#name` with any number of levels (`''`: none, and the '/' before it goes too, as
 * `parsePattern` reads `logs` for `logs/#rest`). Bad or missing values throw `MqttPublishError`.
 */
export function topicBuilder(definition: PublisherDefinition): TopicBuilder {
  const levels = definition.pattern.pattern.split('/');
  const parts = levels.map(
    (level): Part =>
      level[0] === '+' || level[0] === '#'
        ? { kind: 'param', name: level.slice(1), multi: level[0] === '#' }
        : { kind: 'text', text: level },
  );
  return (params) => {
    if (params === null || typeof params !== 'object') {
      throw new MqttPublishError(definition.source, `parameters must be an object, got ${typeof params}`);
    }
    let topic = '';
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      let value: string;
      if (part.kind === 'text') value = part.text;
      else {
        const given: unknown = Object.hasOwn(params, part.name) ? params[part.name] : undefined;
        value = levelValue(definition.source, part.name, part.multi, given);
        if (part.multi && value === '') continue;
      }
      topic = i === 0 ? value : `${topic}/${value}`;
    }
    return topic;
  };
}

type Part =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'param'; readonly name: string; readonly multi: boolean };

function levelValue(source: string, name: string, multi: boolean, value: unknown): string {
  const problem =
    typeof value !== 'string'
      ? `is ${value === undefined ? 'missing' : `a ${typeof value}, not a string`}`
      : !multi && value === ''
        ? 'is empty'
        : !multi && value.includes('/')
          ? `contains '/' (${JSON.stringify(value)}); only #${name} levels may span levels`
          : value.includes('+') || value.includes('#')
            ? `contains a wildcard (${JSON.stringify(value)})`
            : undefined;
  if (problem) throw new MqttPublishError(source, `parameter "${name}" ${problem}`);
  return value as string;
}
