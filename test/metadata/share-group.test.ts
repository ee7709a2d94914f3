import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createMqttApp,
  MqttController,
  MqttDefinitionError,
  SHARE_GROUP_ENV,
  silentLogger,
  Topic,
  TopicParam,
} from '../../src/index.js';
import { resolveShareGroup } from '../../src/metadata/share-group.js';

@MqttController('readings', { qos: 1 })
class Readings {
  @Topic('+sensor/temperature')
  temperature(@TopicParam('sensor') _sensor: string) {}

  /** Broadcast-style: every instance must apply config updates. */
  @Topic('config', { share: false })
  config() {}

  @Topic('calibration', { share: 'calibrators' })
  calibration() {}
}

@MqttController('alerts', { share: false })
class Alerts {
  @Topic('#')
  all() {}
}

function filters(app: ReturnType<typeof createMqttApp>): Record<string, string[]> {
  return Object.fromEntries(
    app.definitions.flatMap((d) =>
      d.handlers.map((h) => [h.name, h.routes.map((r) => r.subscriptionFilter)]),
    ),
  );
}

describe('app-wide share group', () => {
  it('comes from the option, else MQTT_SHARE_GROUP; false or empty means none', () => {
    assert.equal(SHARE_GROUP_ENV, 'MQTT_SHARE_GROUP');
    assert.equal(resolveShareGroup('workers', {}), 'workers');
    assert.equal(resolveShareGroup('workers', { MQTT_SHARE_GROUP: 'other' }), 'workers');
    assert.equal(resolveShareGroup(undefined, { MQTT_SHARE_GROUP: ' from-env ' }), 'from-env');
    assert.equal(resolveShareGroup(undefined, {}), undefined);
    assert.equal(resolveShareGroup(undefined, { MQTT_SHARE_GROUP: '' }), undefined);
    assert.equal(resolveShareGroup(false, { MQTT_SHARE_GROUP: 'other' }), undefined);
    assert.equal(resolveShareGroup('', { MQTT_SHARE_GROUP: 'other' }), undefined);
  });

  it('refuses a share name the broker would refuse, naming where it came from', () => {
    assert.throws(
      () => resolveShareGroup('a/b', {}),
      (error: Error) => {
        assert.ok(error instanceof MqttDefinitionError);
        assert.match(error.message, /shareGroup "a\/b" is not a valid share name/);
        return true;
      },
    );
    assert.throws(() => resolveShareGroup(undefined, { MQTT_SHARE_GROUP: 'w+' }), /MQTT_SHARE_GROUP="w\+"/);
    assert.throws(() => resolveShareGroup('#', {}), MqttDefinitionError);
    assert.throws(
      () => createMqttApp({ shareGroup: 'x/y', controllers: [Readings], logger: silentLogger }),
      MqttDefinitionError,
    );
  });

  it('applies to every topic except those opted out per controller or @Topic, which may name their own', () => {
    const app = createMqttApp({
      shareGroup: 'readings-workers',
      controllers: [Readings, Alerts],
      logger: silentLogger,
    });
    assert.equal(app.shareGroup, 'readings-workers');
    assert.deepEqual(filters(app), {
      'Readings.temperature': ['$share/readings-workers/readings/+/temperature'],
      'Readings.config': ['readings/config'],
      'Readings.calibration': ['$share/calibrators/readings/calibration'],
      'Alerts.all': ['alerts/#'],
    });
  });

  it('reads MQTT_SHARE_GROUP when the option is not given', () => {
    const saved = process.env.MQTT_SHARE_GROUP;
    process.env.MQTT_SHARE_GROUP = 'env-group';
    try {
      const fromEnv = createMqttApp({ controllers: [Readings], logger: silentLogger });
      assert.equal(fromEnv.shareGroup, 'env-group');
      assert.deepEqual(filters(fromEnv)['Readings.temperature'], ['$share/env-group/readings/+/temperature']);
      const optedOut = createMqttApp({ shareGroup: false, controllers: [Readings], logger: silentLogger });
      assert.deepEqual(filters(optedOut)['Readings.temperature'], ['readings/+/temperature']);
    } finally {
      if (saved === undefined) delete process.env.MQTT_SHARE_GROUP;
      else process.env.MQTT_SHARE_GROUP = saved;
    }
  });

  it('refuses noLocal on a shared topic (a protocol error in MQTT 5)', () => {
    @MqttController('echo')
    class Echo {
      @Topic('in', { noLocal: true })
      echo() {}
    }
    assert.throws(
      () => createMqttApp({ shareGroup: 'g', controllers: [Echo], logger: silentLogger }),
      /Echo\.echo: noLocal cannot be set on a shared subscription/,
    );
    assert.doesNotThrow(() => createMqttApp({ controllers: [Echo], logger: silentLogger }));
  });

  it('matches and extracts named parameters on the unprefixed filter', () => {
    const app = createMqttApp({ shareGroup: 'g', controllers: [Readings], logger: silentLogger });
    const route = app.definitions[0]!.handlers.find((h) => h.name === 'Readings.temperature')!.routes[0]!;
    assert.equal(route.pattern.filter, 'readings/+/temperature');
    assert.deepEqual(
      { ...route.pattern.extractLevels('readings/s-7/temperature'.split('/')) },
      { sensor: 's-7' },
    );
  });
});
