import { IsIn, IsOptional, IsString } from 'class-validator';
import { MqttService, type QoS, type SubscribeResult, type SubscriptionInfo } from 'koa-mqtt';
import {
  Body,
  Delete,
  Get,
  HttpCode,
  JsonController,
  NotFoundError,
  Post,
  QueryParam,
} from 'routing-controllers';
import { Service } from 'typedi';
import { type WatchedMessage, WatchStore } from '../watch/watch-store.js';
import { toHttpError } from './errors.js';

export class SubscribeBody {
  @IsString() filter!: string;
  @IsOptional() @IsIn([0, 1, 2]) qos?: QoS;
}

/** Subscriptions made at runtime over HTTP; what arrives on them is kept and listed. */
@Service()
@JsonController('/subscriptions')
export class SubscriptionsController {
  constructor(
    private readonly mqtt: MqttService,
    private readonly watched: WatchStore,
  ) {}

  @Post()
  @HttpCode(201)
  async subscribe(@Body() body: SubscribeBody): Promise<SubscribeResult> {
    try {
      return await this.mqtt.subscribe(body.filter, (ctx) => this.watched.keep(body.filter, ctx), {
        qos: body.qos ?? 0,
      });
    } catch (error) {
      throw toHttpError(error);
    }
  }

  /** Every subscription (controller and runtime ones) and the messages kept from runtime ones. */
  @Get()
  list(): { subscriptions: SubscriptionInfo[]; messages: WatchedMessage[] } {
    return { subscriptions: this.mqtt.topics, messages: this.watched.list() };
  }

  /** `?filter=…` removes one runtime subscription; without it, all of them. */
  @Delete()
  async unsubscribe(@QueryParam('filter') filter?: string): Promise<{ removed: string[] }> {
    let removed: string[];
    if (filter === undefined) {
      removed = await this.mqtt.unsubscribeAll();
    } else {
      if (!(await this.mqtt.unsubscribe(filter)))
        throw new NotFoundError(`No runtime subscription to ${filter}`);
      removed = [filter];
    }
    this.watched.forget(removed);
    return { removed };
  }
}
