import type { TopicParams } from '../dispatch/context.js';
import type { DispatchObserver } from '../dispatch/observer.js';
import type { Route } from '../dispatch/router.js';
import type { InboundMessage } from '../payload/message.js';

/** One handler execution, as a test sees it. */
export interface HandlerRun {
  /** `Class.method`, or the filter of a runtime handler (`service.subscribe` / `onTopic`). */
  readonly handler: string;
  /** The route's filter (`sensors/+/temperature`). */
  readonly filter: string;
  readonly topic: string;
  readonly params: TopicParams;
  /** False when it (or its middleware) threw or rejected. */
  readonly ok: boolean;
  /** What it returned (resolved); `undefined` when middleware ended the chain before it. */
  readonly value: unknown;
  readonly error: Error | undefined;
}

interface OpenRun {
  handler: string;
  filter: string;
  topic: string;
  params: TopicParams;
  ok: boolean;
  value: unknown;
  error: Error | undefined;
  settled: boolean;
}

/**
 * Watches the app's dispatcher: every copy received, every handler started and settled, every
 * copy fully handled. `idle` is true once nothing it saw is still running.
 */
export class RunRecorder implements DispatchObserver {
  private readonly all: OpenRun[] = [];
  private readonly open = new Map<Route, Map<InboundMessage, OpenRun>>();
  private readonly unhandled = new Set<InboundMessage>();
  /** Copies received (test-internal ones excluded). */
  copies = 0;
  /** Called after anything settled. */
  onProgress: (() => void) | undefined;

  constructor(private readonly ignore: (topic: string) => boolean) {}

  /** Runs recorded so far, in the order they started (settled ones complete, others still running). */
  get runs(): readonly HandlerRun[] {
    return this.all;
  }

  get idle(): boolean {
    return this.unhandled.size === 0;
  }

  isHandled(message: InboundMessage): boolean {
    return !this.unhandled.has(message);
  }

  received(message: InboundMessage): void {
    if (this.ignore(message.topic)) return;
    this.copies++;
    this.unhandled.add(message);
  }

  started(route: Route, message: InboundMessage): void {
    if (this.ignore(message.topic)) return;
    const run: OpenRun = {
      handler: route.handler!.name,
      filter: route.pattern.filter,
      topic: message.topic,
      params: route.pattern.extractLevels(message.levels),
      ok: true,
      value: undefined,
      error: undefined,
      settled: false,
    };
    this.all.push(run);
    let byMessage = this.open.get(route);
    if (!byMessage) {
      byMessage = new Map();
      this.open.set(route, byMessage);
    }
    byMessage.set(message, run);
  }

  settled(
    route: Route,
    message: InboundMessage,
    _ms: number,
    error: Error | undefined,
    value?: unknown,
  ): void {
    const byMessage = this.open.get(route);
    const run = byMessage?.get(message);
    if (!run) return;
    byMessage!.delete(message);
    if (byMessage!.size === 0) this.open.delete(route);
    run.settled = true;
    run.ok = error === undefined;
    run.error = error;
    run.value = error === undefined ? value : undefined;
  }

  handled(message: InboundMessage): void {
    if (this.unhandled.delete(message)) this.onProgress?.();
  }
}
