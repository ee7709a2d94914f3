import type { PublishOptions } from '../client/publish-options.js';
import type { TopicParamsOf } from '../topic/index.js';
import type { PublishResult } from './publish-result.js';
import {
  type PublisherArgs,
  type PublisherDefinition,
  type TopicBuilder,
  topicBuilder,
} from './publisher.js';

type Send = (topic: string, payload: unknown, options: PublishOptions) => Promise<PublishResult>;

/**
 * A declared publisher (`service.publisher(pattern, options)`): `publish` takes the pattern's
 * named levels as typed parameters (`{ level: 'high' }` for `alerts/+level`) and a payload of
 * the declared type. A pattern without named levels takes the payload alone.
 */
export class MqttPublisher<P extends string = string, T = unknown> {
  private readonly build: TopicBuilder;
  private readonly named: boolean;

  constructor(
    /** What the AsyncAPI generator documents. */
    readonly definition: PublisherDefinition,
    private readonly send: Send,
  ) {
    this.build = topicBuilder(definition);
    this.named = definition.pattern.paramNames.length > 0;
  }

  /** The topic for these parameters; throws `MqttPublishError` naming a missing or bad one. */
  topic(params: TopicParamsOf<P>): string {
    return this.build(params);
  }

  /**
   * Publishes `payload` to the topic the parameters give, with the declared QoS and RETAIN
   * flag unless `options` says otherwise (encoded and checked as `MqttService.publish` does).
   */
  async publish(...args: PublisherArgs<P, T, PublishOptions>): Promise<PublishResult> {
    const given: unknown[] = args;
    const [params, payload, options] = (this.named ? given : [{}, ...given]) as [
      Readonly<Record<string, string>>,
      unknown,
      PublishOptions | undefined,
    ];
    const { qos, retain } = this.definition;
    return this.send(this.build(params), payload, { qos, retain, ...options });
  }
}
