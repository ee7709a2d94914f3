/**
 * The peer users would pick instead: a NestJS microservice on `@nestjs/microservices`' MQTT
 * transport (same mqtt.js underneath), with the handler koa-mqtt's candidates have, written
 * the NestJS way: `@EventPattern('sensors/+/temperature')`, the device id from
 * `@Ctx().getTopic()`, and either the plain JSON payload or a `ValidationPipe` DTO
 * (`transform: true`, so the handler gets the instance, as koa-mqtt's does).
 * Development dependencies used only here.
 */
import { Controller, Module, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Ctx,
  EventPattern,
  type MicroserviceOptions,
  MqttContext,
  Payload,
  Transport,
} from '@nestjs/microservices';
import type { QoS } from '../../src/index.js';
import { type PlainReading, ReadingDto } from './controllers.js';
import { sink } from './sink.js';
import type { Candidate } from './subscribers.js';

@Controller()
class NestPlainReadings {
  @EventPattern('sensors/+/temperature')
  temperature(@Payload() body: PlainReading, @Ctx() context: MqttContext): void {
    sink.hit(context.getTopic().split('/')[1], body.t);
  }
}

@Controller()
class NestDtoReadings {
  @EventPattern('sensors/+/temperature')
  temperature(
    @Payload(new ValidationPipe({ transform: true })) body: ReadingDto,
    @Ctx() context: MqttContext,
  ): void {
    sink.hit(context.getTopic().split('/')[1], body.t);
  }
}

@Module({ controllers: [NestPlainReadings] })
class NestPlainModule {}

@Module({ controllers: [NestDtoReadings] })
class NestDtoModule {}

/** A NestJS MQTT microservice with the plain or the DTO handler (MQTT 5, no logger). */
export function nestCandidate(qos: QoS, dto: boolean): Candidate {
  return {
    async open({ url, clientId, persistent }) {
      const app = await NestFactory.createMicroservice<MicroserviceOptions>(
        dto ? NestDtoModule : NestPlainModule,
        {
          transport: Transport.MQTT,
          options: {
            url,
            clientId,
            protocolVersion: 5,
            clean: !persistent,
            properties: persistent ? { sessionExpiryInterval: 3600 } : {},
            reconnectPeriod: 0,
            subscribeOptions: { qos },
          },
          logger: false,
        },
      );
      await app.listen();
      return { close: () => app.close() };
    },
  };
}
