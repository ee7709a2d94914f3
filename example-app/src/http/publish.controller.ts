import { IsBoolean, IsDefined, IsIn, IsOptional, IsString } from 'class-validator';
import { MqttService, type PublishResult, type QoS } from 'koa-mqtt';
import { Body, HttpCode, JsonController, Post } from 'routing-controllers';
import { Service } from 'typedi';
import { toHttpError } from './errors.js';

export class PublishBody {
  @IsString() topic!: string;
  /** Any JSON: objects and arrays are sent as JSON, strings as UTF-8 text. */
  @IsDefined() payload!: unknown;
  @IsOptional() @IsIn([0, 1, 2]) qos?: QoS;
  @IsOptional() @IsBoolean() retain?: boolean;
}

@Service()
@JsonController()
export class PublishController {
  constructor(private readonly mqtt: MqttService) {}

  /** Publishes one message; answers once the broker acknowledged it (QoS 1/2). */
  @Post('/publish')
  @HttpCode(202)
  async publish(@Body() body: PublishBody): Promise<PublishResult> {
    try {
      return await this.mqtt.publish(body.topic, body.payload, { qos: body.qos ?? 0, retain: body.retain });
    } catch (error) {
      throw toHttpError(error);
    }
  }
}
