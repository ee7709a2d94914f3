import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createMqttApp,
  MqttController,
  MqttDefinitionError,
  Payload,
  Topic,
  TopicParam,
} from '../../src/index.js';
import { defineController } from '../../src/metadata/definitions.js';

describe('controller definitions', () => {
  it('joins prefixes, applies share groups and inherits handlers', () => {
    class Base {
      @Topic('+id/temperature', { qos: 1 })
      temperature(@TopicParam('id') _id: string) {}
    }
    @MqttController('sensors', { share: 'workers' })
    class Sensors extends Base {
      @Topic('config', { share: false })
      config() {}
    }
    const definition = defineController(Sensors);
    const routes = Object.fromEntries(
      definition.handlers.map((h) => [
        h.name,
        h.routes.map((r) => [r.subscriptionFilter, r.subscription.qos]),
      ]),
    );
    assert.deepEqual(routes, {
      'Sensors.config': [['sensors/config', 0]],
      'Sensors.temperature': [['$share/workers/sensors/+/temperature', 1]],
    });
  });

  it('lets a subclass override a handler, and an app-wide share group applies unless opted out', () => {
    @MqttController('a')
    class First {
      @Topic('x')
      handle() {}
    }
    @MqttController('b')
    class Second extends First {
      @Topic('y')
      override handle() {}
    }
    const definition = defineController(Second, { shareGroup: 'g' });
    assert.deepEqual(
      definition.handlers.map((h) => h.routes.map((r) => r.subscriptionFilter)),
      [['$share/g/b/y']],
    );
  });

  it('names Class.method and the filter when a pattern is invalid', () => {
    @MqttController('sensors')
    class Broken {
      @Topic('a/#/b')
      bad() {}
    }
    assert.throws(
      () => createMqttApp({ controllers: [Broken] }),
      (error: unknown) =>
        error instanceof MqttDefinitionError &&
        /Broken\.bad/.test(error.message) &&
        error.message.includes('sensors/a/#/b'),
    );
  });

  it('refuses a @TopicParam that the pattern does not name', () => {
    @MqttController()
    class Wrong {
      @Topic('rooms/+room')
      handle(@TopicParam('device') _device: string) {}
    }
    assert.throws(
      () => defineController(Wrong),
      /Wrong\.handle: @TopicParam\("device"\) is not a named parameter/,
    );
  });

  it('refuses a class without @MqttController and a parameter with two decorators', () => {
    class Plain {
      @Topic('x')
      handle() {}
    }
    assert.throws(
      () => defineController(Plain),
      /Plain is listed as a controller but has no @MqttController/,
    );
    @MqttController()
    class Twice {
      @Topic('x')
      handle(@Payload() @TopicParam('x') _value: string) {}
    }
    assert.throws(() => defineController(Twice), MqttDefinitionError);
  });
});
