import type { IPublishPacket, MqttClient } from 'mqtt';

/**
 * The private parts of mqtt.js 5 (`build/lib/client.js`, `handlers/pubrel.js`) that sending our
 * own PUBCOMP needs, typed in one place. mqtt.js sends them itself when the
 * `handleMessage` callback is called without an error; we call it with one (so it skips the ack
 * and reads on) and acknowledge later through these, doing what its handlers would have done.
 */
interface ClientInternals {
  _sendPacket(packet: { cmd: 'pubcomp'; messageId: number }, cb?: (error?: Error) => void): void;
  _releaseIncomingQoS2Publish?(messageId: number): void;
  _clearReconnect(): void;
  _invokeStoreProcessingQueue?(): boolean;
  readonly incomingStore: { del(packet: { messageId: number }, cb: (error?: Error) => void): void };
  readonly outgoingStore: { del(packet: { messageId: number }, cb: (error?: Error) => void): void };
  readonly outgoing: Record<number, { cb?: (error?: Error, packet?: unknown) => void } | undefined>;
  readonly messageIdProvider: { deallocate(messageId: number): void };
}

function internals(client: MqttClient): ClientInternals {
  return client as unknown as ClientInternals;
}

/**
 * Completes an incoming QoS 2 message (PUBREL received) the way mqtt.js's own handler does:
 * forgets it and sends its PUBCOMP (which has no error codes). QoS 1 PUBACKs are written by
 * `PubackWriter`. Call it only while the connection the message came on is still up.
 */
export function sendPubcomp(client: MqttClient, packet: IPublishPacket): void {
  const messageId = packet.messageId;
  if (messageId === undefined) return;
  const raw = internals(client);
  raw.incomingStore.del(packet as { messageId: number }, () => {});
  raw._releaseIncomingQoS2Publish?.(messageId);
  raw._sendPacket({ cmd: 'pubcomp', messageId });
}

/** Cancels mqtt.js's fixed-interval reconnect timer, so that our backoff sets the next delay. */
export function clearReconnectTimer(client: MqttClient): void {
  internals(client)._clearReconnect();
}

/**
 * Forgets an outgoing QoS 1/2 packet the broker refused, so that mqtt.js does not resend it on
 * every reconnect: removes it from the in-flight table and the outgoing store, frees its packet
 * identifier, and fails its publish callback with `error`. What mqtt.js's public
 * `removeOutgoingMessage` does, with our error instead of "Message removed", and also for a
 * packet that is only in the store (a persistent store after a restart).
 */
export function dropOutgoing(client: MqttClient, messageId: number, error: Error): void {
  const raw = internals(client);
  const entry = raw.outgoing[messageId];
  delete raw.outgoing[messageId];
  raw.outgoingStore.del({ messageId }, () => {
    raw.messageIdProvider.deallocate(messageId);
    raw._invokeStoreProcessingQueue?.();
  });
  entry?.cb?.(error);
}
