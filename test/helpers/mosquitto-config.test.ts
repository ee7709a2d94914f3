import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMosquittoConfig } from './mosquitto-config.js';

const base = { host: '127.0.0.1', port: 18830, autosaveInterval: 1, logAll: false };

describe('renderMosquittoConfig', () => {
  it('runs as root, anonymous, logging to stderr, one listener on the host', () => {
    const lines = renderMosquittoConfig(base).split('\n');
    for (const line of [
      'user root',
      'allow_anonymous true',
      'log_dest stderr',
      'persistence false',
      'listener 18830 127.0.0.1',
    ]) {
      assert.ok(lines.includes(line), `missing ${line}`);
    }
    assert.ok(!lines.includes('log_type all'));
  });

  it('turns anonymous access off with a password file or a plugin', () => {
    assert.match(renderMosquittoConfig({ ...base, passwordFile: '/d/p' }), /^allow_anonymous false$/m);
    const plugin = { path: '/lib/dynsec.so', configFile: '/d/ds.json' };
    const text = renderMosquittoConfig({ ...base, plugin });
    assert.match(text, /^allow_anonymous false$/m);
    assert.match(text, /^plugin \/lib\/dynsec\.so$/m);
    assert.match(text, /^plugin_opt_config_file \/d\/ds\.json$/m);
  });

  it('gives the persistence location its trailing slash', () => {
    const text = renderMosquittoConfig({ ...base, persistenceDir: '/tmp/x', autosaveInterval: 2 });
    assert.match(text, /^persistence_location \/tmp\/x\/$/m);
    assert.match(text, /^autosave_interval 2$/m);
  });

  it('puts extra config before the listeners, and TLS/websocket options after theirs', () => {
    const text = renderMosquittoConfig({
      ...base,
      extraConfig: 'max_inflight_messages 5',
      tls: { port: 18831, caFile: '/c/ca', certFile: '/c/crt', keyFile: '/c/key' },
      wsPort: 18832,
    });
    const at = (line: string) => text.split('\n').indexOf(line);
    assert.ok(at('max_inflight_messages 5') < at('listener 18830 127.0.0.1'));
    assert.ok(at('listener 18831 127.0.0.1') < at('cafile /c/ca'));
    assert.ok(at('keyfile /c/key') < at('listener 18832 127.0.0.1'));
    assert.equal(at('protocol websockets'), at('listener 18832 127.0.0.1') + 1);
  });

  it('puts listener config right after the main listener, before the TLS listener', () => {
    const text = renderMosquittoConfig({
      ...base,
      listenerConfig: 'max_qos 1',
      tls: { port: 18831, caFile: '/c/ca', certFile: '/c/crt', keyFile: '/c/key' },
    });
    const at = (line: string) => text.split('\n').indexOf(line);
    assert.equal(at('max_qos 1'), at('listener 18830 127.0.0.1') + 1);
    assert.ok(at('max_qos 1') < at('listener 18831 127.0.0.1'));
  });
});
