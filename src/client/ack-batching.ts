import type { MqttClient, Packet } from 'mqtt';

/** The part of a socket this needs (net.Socket, tls.TLSSocket; websocket streams may lack it). */
interface Corkable {
  cork?: () => void;
  uncork?: () => void;
}

/**
 * Writes the acknowledgements of one burst of QoS 1/2 messages in one system call. mqtt.js
 * handles the packets of one socket read one per tick and writes each PUBACK / PUBREC at once:
 * a backlog of small messages costs one `writev` per message, which is most of a QoS 1
 * subscriber's CPU time. The socket is corked at the first QoS 1/2 PUBLISH of a burst and
 * uncorked once the ticks of that read are over (`setImmediate`), so the PUBACKs leave together,
 * before the next read is handled. Nothing waits longer than that event-loop turn.
 */
export function batchAcks(client: MqttClient): void {
  let corked: Corkable | undefined;
  const uncork = () => {
    const stream = corked;
    corked = undefined;
    stream?.uncork?.();
  };
  client.on('packetreceive', (packet: Packet) => {
    if (corked !== undefined || packet.cmd !== 'publish' || packet.qos === 0) return;
    const stream = client.stream as Corkable | undefined;
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;
    stream.cork();
    corked = stream;
    setImmediate(uncork);
  });
}
