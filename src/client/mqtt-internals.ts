import type { IPublishPacket, MqttClient } from 'mqtt';

/**
 * The private parts of mqtt.js 5 (`build/lib/client.js`, `handlers/pubrel.js`) that sending our
 * own PUBACK / PUBCOMP needs, typed in one place. mqtt.js sends them itself when the
 * `handleMessage` callback is called without an error; we call it with one (so it skips the ack
 * and reads on) and acknowledge later through these, doing what its handlers would have done.
 */
interface ClientInternals {
  _sendPacket(packet: AckPacket, cb?: (error?: Error) => void): void;
  _releaseIncomingQoS2Publish?(messageId: number): void;
  _clearReconnect(): void;
  readonly incomingStore: { del(packet: { messageId: number }, cb: (error?: Error) => void): void };
}

interface AckPacket {
  cmd: 'puback' | 'pubcomp';
  messageId: number;
  reasonCode?: number;
}

function internals(client: MqttClient): ClientInternals {
  return client as unknown as ClientInternals;
}

/**
 * Acknowledges an incoming QoS 1 (PUBACK) or QoS 2 (PUBCOMP, after PUBREL) message the way
 * mqtt.js's own handlers do. `reasonCode` goes into an MQTT 5 PUBACK only (PUBCOMP has no
 * error codes). Call it only while the connection the message came on is still up.
 */
export function sendAck(client: MqttClient, packet: IPublishPacket, reasonCode: number): void {
  const messageId = packet.messageId;
  if (messageId === undefined) return;
  const raw = internals(client);
  if (packet.qos === 1) {
    const ack: AckPacket = { cmd: 'puback', messageId };
    if (reasonCode !== 0 && client.options.protocolVersion === 5) ack.reasonCode = reasonCode;
    raw._sendPacket(ack);
  } else if (packet.qos === 2) {
    raw.incomingStore.del(packet as { messageId: number }, () => {});
    raw._releaseIncomingQoS2Publish?.(messageId);
    raw._sendPacket({ cmd: 'pubcomp', messageId });
  }
}

/** Cancels mqtt.js's fixed-interval reconnect timer, so that our backoff sets the next delay. */
export function clearReconnectTimer(client: MqttClient): void {
  internals(client)._clearReconnect();
}
