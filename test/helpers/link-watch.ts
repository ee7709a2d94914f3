import type { MqttClient } from 'mqtt';
import type { MqttApp } from '../../src/index.js';

/** Counts the app's connection losses (not the ones `stop()` asks for). */
export function countDisconnects(app: MqttApp): () => number {
  let count = 0;
  app.connection.on('disconnect', (info) => {
    if (!info.requested) count++;
  });
  return () => count;
}

/** Resolves after the app's mqtt.js client received `count` more PINGRESPs: keepalive works. */
export function pingResponses(app: MqttApp, count: number): Promise<void> {
  const client = app.connection.client as MqttClient;
  let seen = 0;
  return new Promise((resolve) => {
    const onPacket = (packet: { cmd: string }) => {
      if (packet.cmd !== 'pingresp' || ++seen < count) return;
      client.off('packetreceive', onPacket);
      resolve();
    };
    client.on('packetreceive', onPacket);
  });
}
