/** The messages every end-to-end benchmark sends: small JSON readings spread over 100 devices. */

export const DEVICES = 100;

export function deviceId(i: number): string {
  return `d${i % DEVICES}`;
}

export function readingTopic(i: number): string {
  return `sensors/${deviceId(i)}/temperature`;
}

/** `{"deviceId":"d17","celsius":21.5}`, with the send time in µs as `t` when measuring latency. */
export function readingPayload(i: number, sentAt?: number): string {
  const base = `{"deviceId":"${deviceId(i)}","celsius":${20 + (i % 50) / 10}`;
  return sentAt === undefined ? `${base}}` : `${base},"t":${sentAt}}`;
}
