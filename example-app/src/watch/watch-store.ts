import type { MqttContext } from 'koa-mqtt';
import { Service } from 'typedi';

export interface WatchedMessage {
  readonly filter: string;
  readonly topic: string;
  /** The payload as UTF-8 text. */
  readonly payload: string;
  readonly qos: number;
  readonly retain: boolean;
  readonly receivedAt: string;
}

/** Messages that arrived on subscriptions made over HTTP; keeps the newest `limit`. */
@Service()
export class WatchStore {
  static readonly limit = 100;
  private readonly messages: WatchedMessage[] = [];

  keep(filter: string, ctx: MqttContext): void {
    this.messages.push({
      filter,
      topic: ctx.topic,
      payload: ctx.text(),
      qos: ctx.qos,
      retain: ctx.retain,
      receivedAt: new Date().toISOString(),
    });
    if (this.messages.length > WatchStore.limit) this.messages.shift();
  }

  list(): WatchedMessage[] {
    return [...this.messages];
  }

  /** Forgets the messages of these filters (they were unsubscribed). */
  forget(filters: readonly string[]): void {
    const gone = new Set(filters);
    for (let i = this.messages.length - 1; i >= 0; i--) {
      if (gone.has(this.messages[i]!.filter)) this.messages.splice(i, 1);
    }
  }
}
