/**
 * The controllers the benchmarks measure, made by factories because the subscription QoS,
 * the ack mode and the number of extra handlers are fixed at decoration time.
 */
import 'reflect-metadata';
import { IsNumber, IsString } from 'class-validator';
import {
  type AckMode,
  type Constructable,
  MqttController,
  Payload,
  type QoS,
  Topic,
  TopicParam,
} from '../../src/index.js';
import { sink } from './sink.js';

/** The payload as a plain object (an interface: decoded as JSON, not validated). */
export interface PlainReading {
  deviceId: string;
  celsius: number;
  /** Send time (µs), only when measuring latency. */
  t?: number;
}

/** The payload as a class-validator DTO: JSON, then `plainToInstance`, then `validateSync`. */
export class ReadingDto {
  @IsString() deviceId!: string;
  @IsNumber() celsius!: number;
  t?: number;
}

/**
 * The same DTO left to class-transformer and class-validator: a getter is one of the things
 * the compiled path does not reproduce (`src/payload/compiled`), and it costs the libraries
 * nothing here (no payload key names it). The A/B of compiled against class-validator.
 */
export class LibraryReadingDto {
  @IsString() deviceId!: string;
  @IsNumber() celsius!: number;
  t?: number;
  get fahrenheit(): number {
    return this.celsius * 1.8 + 32;
  }
}

/** `@Topic('+deviceId/temperature')` taking `@TopicParam('deviceId')` and a plain `@Payload()`. */
export function plainController(qos: QoS, extraHandlers = 0): Constructable {
  @MqttController('sensors', { qos })
  class PlainReadings {
    @Topic('+deviceId/temperature')
    temperature(@TopicParam('deviceId') deviceId: string, @Payload() body: PlainReading): void {
      sink.hit(deviceId, body.t);
    }
  }
  addHandlers(PlainReadings, extraHandlers);
  return PlainReadings;
}

/** The same handler with a `ReadingDto` payload (validated, compiled). */
export function dtoController(qos: QoS): Constructable {
  @MqttController('sensors', { qos })
  class DtoReadings {
    @Topic('+deviceId/temperature')
    temperature(@TopicParam('deviceId') deviceId: string, @Payload() body: ReadingDto): void {
      sink.hit(deviceId, body.t);
    }
  }
  return DtoReadings;
}

/** The same handler with `LibraryReadingDto` (validated by class-transformer + class-validator). */
export function libraryDtoController(qos: QoS): Constructable {
  @MqttController('sensors', { qos })
  class LibraryDtoReadings {
    @Topic('+deviceId/temperature')
    temperature(@TopicParam('deviceId') deviceId: string, @Payload() body: LibraryReadingDto): void {
      sink.hit(deviceId, body.t);
    }
  }
  return LibraryDtoReadings;
}

/** A handler that does nothing (but count), or awaits 1 ms first, acknowledged per `ack`. */
export function ackController(ack: AckMode, waitMs: number): Constructable {
  if (waitMs > 0) {
    @MqttController('sensors', { qos: 1 })
    class SlowReadings {
      @Topic('+deviceId/temperature', { ack })
      async temperature(@TopicParam('deviceId') deviceId: string): Promise<void> {
        await new Promise<void>((resolve) => setTimeout(resolve, waitMs));
        sink.hit(deviceId);
      }
    }
    return SlowReadings;
  }
  @MqttController('sensors', { qos: 1 })
  class NoopReadings {
    @Topic('+deviceId/temperature', { ack })
    temperature(@TopicParam('deviceId') deviceId: string): void {
      sink.hit(deviceId);
    }
  }
  return NoopReadings;
}

/** One function for every extra handler: what is measured is the library's cost per handler, not the user's. */
function unused(this: unknown, _deviceId: string, _body: PlainReading): void {
  throw new Error('an extra benchmark handler received a message: its filter should match nothing sent');
}

/**
 * Adds `count` handlers `@Topic('+deviceId/metric{i}')` (same shape as the measured one, and
 * matching none of the messages sent) to `target`, as the decorators would.
 */
export function addHandlers(target: Constructable, count: number): void {
  const proto = target.prototype as Record<string, unknown>;
  for (let i = 0; i < count; i++) {
    const name = `metric${i}`;
    proto[name] = unused;
    Reflect.defineMetadata('design:paramtypes', [String, Object], proto, name);
    TopicParam('deviceId')(proto, name, 0);
    Payload()(proto, name, 1);
    Topic(`+deviceId/metric${i}`)(proto, name, Object.getOwnPropertyDescriptor(proto, name)!);
  }
}

/** A controller with `count` handlers and nothing else (memory and start-up benchmarks). */
export function manyHandlersController(count: number, qos: QoS = 0): Constructable {
  @MqttController('sensors', { qos })
  class ManyHandlers {}
  addHandlers(ManyHandlers, count);
  return ManyHandlers;
}
