import { randomBytes } from 'node:crypto';
import mqtt, {
  type IClientOptions,
  type IClientPublishOptions,
  type IConnackPacket,
  type IDisconnectPacket,
  type IPublishPacket,
  type MqttClient,
} from 'mqtt';
import { type MqttAckTimeoutError, MqttConnectionError, type MqttError, reasonName } from '../errors.js';
import type { MqttLogger } from '../logger.js';
import { batchPubrecs, PubackWriter } from './ack-batching.js';
import { AckWatchdog, DEFAULT_ACK_TIMEOUT } from './ack-watchdog.js';
import { Backoff } from './backoff.js';
import { type BrokerCapabilities, connectDowngrades, readCapabilities } from './capabilities.js';
import type { MqttConfig } from './config.js';
import { clearReconnectTimer, sendPubcomp } from './mqtt-internals.js';
import { logPackets } from './packet-log.js';
import { DEFAULT_MAX_OFFLINE_QUEUE, Publisher } from './publisher.js';
import { refusalError } from './refusal-error.js';
import { type Refusal, RefusalWatch } from './refusals.js';
import { SubscribeRefusals, sendSubscribe, sendUnsubscribe } from './subscribe-request.js';
import type { Subscription } from './subscriptions.js';
import { TypedEmitter } from './typed-emitter.js';

export { DEFAULT_MAX_OFFLINE_QUEUE };

export type ProtocolVersion = 3 | 4 | 5;

/** Passed to `@OnConnect` hooks and the `connect` event. */
export interface ConnectInfo {
  /** The broker kept our session (subscriptions and queued messages). */
  readonly sessionPresent: boolean;
  readonly protocolVersion: ProtocolVersion;
  /** False for the first connection of this app, true for every reconnect. */
  readonly reconnect: boolean;
  /** MQTT 5 CONNACK properties (broker limits, assigned client id, …). */
  readonly properties: IConnackPacket['properties'];
  /** What the broker allows, from its CONNACK and `brokerLimits`. */
  readonly capabilities: BrokerCapabilities;
  /** The broker URL of this connection (without credentials). */
  readonly broker: string;
}

/** Passed to `@OnDisconnect` hooks and the `disconnect` event. */
export interface DisconnectInfo {
  /** The error that ended the connection, if any (network error, refused CONNACK…). */
  readonly error: Error | undefined;
  /** The broker's MQTT 5 DISCONNECT packet, if it sent one (reason code and string). */
  readonly packet: IDisconnectPacket | undefined;
  /** True when we closed it ourselves (`stop()`). */
  readonly requested: boolean;
}

export interface ConnectionEvents {
  connect: [ConnectInfo];
  reconnect: [];
  offline: [];
  /** Once per lost connection (not per failed reconnect attempt), and once at `close()`. */
  disconnect: [DisconnectInfo];
  error: [MqttError];
  /** The broker refused a packet of ours by ending the connection (the operation failed, not resent). */
  refused: [MqttError];
  /** `reconnectRetries` attempts failed in a row: no more attempts. */
  gaveUp: [MqttConnectionError];
  /** A packet of ours had no acknowledgement for `ackTimeout` ms: the connection is being renewed. */
  ackTimeout: [MqttAckTimeoutError];
}

/** Receives every incoming PUBLISH; must call `done` to let mqtt.js ack it and read the next packet. */
export type PacketSink = (packet: IPublishPacket, done: (error?: Error) => void) => void;

/** CONNACK codes that mean "this protocol version is not spoken here" (3.1.1: 1, MQTT 5: 0x84). */
const UNSUPPORTED_PROTOCOL = new Set([1, 0x84]);

/** The broker accepted TCP and closed it without a CONNACK (RabbitMQ 3.x on an MQTT 5 CONNECT). */
class ClosedBeforeConnack extends Error {}

/**
 * The one mqtt.js client of an app, as a state machine: connects (each broker URL in turn,
 * MQTT 5 first and 3.1.1 if the broker refuses 5 or closes the socket on it), retries the
 * first connection if asked, reconnects with exponential backoff and jitter up to
 * `reconnectRetries`, reads the broker's capabilities from every CONNACK, says what happens
 * (each lost connection and reconnect once; failed attempts at debug), and closes. Publishing
 * is the `Publisher`'s; refused packets are found by the `RefusalWatch`.
 */
export class Connection extends TypedEmitter<ConnectionEvents> {
  readonly clientId: string;
  readonly publisher: Publisher;
  private current: MqttClient | undefined;
  private version: ProtocolVersion;
  private hasConnected = false;
  private closing = false;
  private retryAborted = false;
  /** The current client is connected (between its CONNACK and its close). */
  private up = false;
  /** An outage's first connection error was logged; later attempts' errors go to debug. */
  private outageReported = false;
  private lostAt: number | undefined;
  private failedAttempts = 0;
  private wakeRetry: (() => void) | undefined;
  private lastError: Error | undefined;
  private lastDisconnect: IDisconnectPacket | undefined;
  private connack: IConnackPacket | undefined;
  private caps: BrokerCapabilities;
  private readonly warnedGrants = new Set<string>();
  private readonly backoff: Backoff;
  private readonly refusals: RefusalWatch;
  private readonly subscribeRefusals = new SubscribeRefusals();
  private closes = 0;
  private watchdog: AckWatchdog | undefined;
  private readonly pubacks = new PubackWriter();
  /** Ack timeouts since the broker last acknowledged anything: while > 0, reconnects keep their backoff. */
  private ackStrikes = 0;
  /** The ack watchdog is closing the current connection. */
  private renewing = false;

  constructor(
    private readonly config: MqttConfig,
    private readonly sink: PacketSink,
    readonly logger: MqttLogger,
    /**
     * Packet stores for mqtt.js (persistent ones keep in-flight packets across restarts), and the
     * MQTT 5 Receive Maximum to advertise (QoS 1/2 messages the broker may send unacknowledged).
     */
    private readonly stores: Pick<IClientOptions, 'incomingStore' | 'outgoingStore'> & {
      receiveMaximum?: number;
    } = {},
  ) {
    super();
    this.clientId =
      config.clientId ?? `${config.clientIdPrefix ?? 'koa-mqtt'}-${randomBytes(6).toString('hex')}`;
    this.version = config.protocolVersion ?? 5;
    this.caps = readCapabilities(undefined, this.version, config.brokerLimits);
    this.backoff = new Backoff(config.reconnectPeriod ?? 1000, config.reconnectMaxPeriod ?? 30_000);
    this.publisher = new Publisher(this, {
      maxOfflineQueue: config.maxOfflineQueue ?? DEFAULT_MAX_OFFLINE_QUEUE,
      downgradeQos: config.downgradeQos ?? false,
    });
    this.refusals = new RefusalWatch((refusal) => this.onRefused(refusal));
  }

  /** The raw mqtt.js client (undefined before `open()`). */
  get client(): MqttClient | undefined {
    return this.current;
  }

  get connected(): boolean {
    return this.current?.connected === true;
  }

  get protocolVersion(): ProtocolVersion {
    return this.version;
  }

  /** What the broker allows: from the last CONNACK and `brokerLimits` (before the first: the declared limits). */
  get capabilities(): BrokerCapabilities {
    return this.caps;
  }

  /** Counts closed network connections: an ack owed on an older one must not be sent on a newer one. */
  get generation(): number {
    return this.closes;
  }

  /** Publishes made while offline and not yet settled (sent and acknowledged, or failed). */
  get offlineQueueSize(): number {
    return this.publisher.offlineQueueSize;
  }

  /** Sends the PUBACK / PUBCOMP of an incoming message whose ack the dispatcher took over. */
  ack(packet: IPublishPacket, reasonCode: number): void {
    const client = this.current;
    if (!client?.connected || packet.messageId === undefined) return;
    if (packet.qos === 1) this.pubacks.add(client, packet.messageId, reasonCode);
    else if (packet.qos === 2) sendPubcomp(client, packet);
  }

  /** Whether the broker attaches MQTT 5 subscription identifiers (it said so in CONNACK). */
  get subscriptionIdsAvailable(): boolean {
    return this.caps.subscriptionIdentifiersAvailable;
  }

  /** Connects for the first time. Rejects with `MqttConnectionError` if the broker cannot be reached or refuses. */
  async open({ retry = false }: { retry?: boolean } = {}): Promise<ConnectInfo> {
    for (;;) {
      try {
        return await this.openOnce();
      } catch (error) {
        // A refusal (a CONNACK reason code: bad credentials, not authorized…) is final; an
        // unreachable broker or a timeout is retried when asked, with the reconnect backoff.
        if (!retry || this.retryAborted || (error as MqttConnectionError).reasonCode !== undefined)
          throw error;
        this.failedAttempts++;
        const limit = this.config.reconnectRetries;
        if (limit !== undefined && this.failedAttempts > limit) throw this.gaveUpError(error);
        const delay = this.backoff.next();
        const message = `${describeFailure(error)}; retrying`;
        if (this.failedAttempts === 1)
          this.logger.warn({ err: error, broker: this.config.brokerUrl, retryInMs: delay }, message);
        else
          this.logger.debug(
            { error: (error as Error).message, broker: this.config.brokerUrl, retryInMs: delay },
            message,
          );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeRetry = undefined;
        if (this.retryAborted)
          throw new MqttConnectionError(`Stopped while waiting for ${this.config.brokerUrl}`, {
            cause: error,
          });
      }
    }
  }

  /** Ends a retrying `open()` at its next wait (an attempt under way finishes first). */
  abortRetry(): void {
    this.retryAborted = true;
    this.wakeRetry?.();
  }

  /** Each broker URL in turn; on each, MQTT 5 then 3.1.1 (unless `protocolVersion` is set). */
  private async openOnce(): Promise<ConnectInfo> {
    const versions: ProtocolVersion[] = this.config.protocolVersion ? [this.config.protocolVersion] : [5, 4];
    const servers = this.config.brokerUrls.length;
    let last: unknown;
    for (let s = 0; s < servers; s++) {
      for (let i = 0; i < versions.length; i++) {
        if (this.closing || this.retryAborted)
          throw new MqttConnectionError(`Stopped while connecting to ${this.config.brokerUrl}`, {
            cause: last,
          });
        const version = versions[i]!;
        try {
          return await this.attempt(version, s);
        } catch (error) {
          last = error;
          const wrapped = error as MqttConnectionError;
          const code = wrapped.reasonCode;
          const closedEarly = wrapped.cause instanceof ClosedBeforeConnack;
          if (
            i + 1 < versions.length &&
            (closedEarly || (code !== undefined && UNSUPPORTED_PROTOCOL.has(code)))
          ) {
            this.logger.info(
              { broker: this.serverUrl(s), refused: version, using: versions[i + 1] },
              closedEarly
                ? 'broker closed the connection on the MQTT 5 CONNECT without a CONNACK; falling back to MQTT 3.1.1'
                : 'broker refused MQTT 5; falling back to MQTT 3.1.1',
            );
            continue;
          }
          if (code !== undefined && !UNSUPPORTED_PROTOCOL.has(code)) throw error;
          break; // this server cannot be used: try the next one
        }
      }
    }
    throw last;
  }

  private serverUrl(index: number): string {
    const urls = this.config.brokerUrls;
    return this.config.brokerUrl.split(',')[index % urls.length] ?? this.config.brokerUrl;
  }

  private attempt(version: ProtocolVersion, serverIndex: number): Promise<ConnectInfo> {
    this.version = version;
    const options = this.config.toClientOptions(version);
    options.clientId = this.clientId;
    if (this.stores.incomingStore) options.incomingStore = this.stores.incomingStore;
    if (this.stores.outgoingStore) options.outgoingStore = this.stores.outgoingStore;
    if (version === 5 && this.stores.receiveMaximum !== undefined)
      options.properties = { ...options.properties, receiveMaximum: this.stores.receiveMaximum };
    const urls = this.config.brokerUrls;
    const explicit = this.config.url !== undefined || this.config.servers !== undefined;
    if (explicit && urls.length > 1) {
      // mqtt.js moves to the next of `servers` at every reconnect; the first is the one tried now.
      options.servers = [...urls.slice(serverIndex), ...urls.slice(0, serverIndex)].map(toServer);
    }
    const client = explicit ? mqtt.connect(urls[serverIndex]!, options) : mqtt.connect(options);
    this.current = client;
    client.handleMessage = this.sink;
    client.on('close', () => {
      this.closes++;
    });
    client.on('connect', (connack) => this.onConnack(client, connack));
    this.refusals.watch(client);
    this.watchAcks(client);
    batchPubrecs(client);
    this.pubacks.watch(client);
    if (this.config.logPackets) logPackets(client, this.logger);
    return new Promise<ConnectInfo>((resolve, reject) => {
      const timeoutMs = (this.config.connectTimeout ?? 10_000) + 1000;
      const fail = (error: Error) => {
        cleanup();
        client.end(true);
        reject(this.connectionError(error, serverIndex));
      };
      const timer = setTimeout(() => fail(new Error(`no CONNACK within ${timeoutMs} ms`)), timeoutMs);
      const onConnect = () => {
        cleanup();
        this.wire(client);
        resolve(this.info(false));
      };
      const onClose = () =>
        fail(new ClosedBeforeConnack('the broker closed the connection before any CONNACK'));
      const cleanup = () => {
        clearTimeout(timer);
        client.off('connect', onConnect);
        client.off('error', fail);
        client.off('close', onClose);
      };
      client.once('connect', onConnect);
      client.on('error', fail);
      client.on('close', onClose);
    });
  }

  /** Every CONNACK, first or reconnect: capabilities, grants below what was asked, socket options. */
  private onConnack(client: MqttClient, connack: IConnackPacket): void {
    this.connack = connack;
    this.caps = readCapabilities(connack, this.version, this.config.brokerLimits);
    if (this.config.noDelay !== false) noDelay(client);
    this.publisher.onConnect();
    for (const grant of connectDowngrades(this.caps, this.askedGrants())) {
      const key = `${grant.what}:${grant.granted}`;
      if (this.warnedGrants.has(key)) continue;
      this.warnedGrants.add(key);
      this.logger.warn(
        { broker: this.config.brokerUrl, [grant.what]: grant.granted, asked: grant.asked },
        `broker granted ${grant.what} ${grant.granted} (asked ${grant.asked})`,
      );
    }
  }

  private askedGrants(): { sessionExpiryInterval: number | undefined; keepalive: number } {
    const properties = this.config.toClientOptions(5).properties;
    return {
      sessionExpiryInterval: properties?.sessionExpiryInterval,
      keepalive: this.config.keepalive ?? 60,
    };
  }

  /** Events of an established client, for its whole life. */
  private wire(client: MqttClient): void {
    this.hasConnected = true;
    this.up = true;
    client.on('connect', () => {
      this.up = true;
      this.outageReported = false;
      // After an ack timeout, the backoff goes on growing until the broker acknowledges again:
      // a packet it drops at every attempt costs a reconnect per `ackTimeout` plus a longer wait each time.
      if (this.ackStrikes === 0) this.backoff.reset();
      const downMs = this.lostAt === undefined ? undefined : Date.now() - this.lostAt;
      this.logger.info(
        { broker: this.config.brokerUrl, downMs, failedAttempts: this.failedAttempts },
        'MQTT reconnected',
      );
      this.failedAttempts = 0;
      this.lostAt = undefined;
      this.lastError = undefined;
      this.lastDisconnect = undefined;
      this.emit('connect', this.info(true));
    });
    client.prependListener('close', () => {
      // Runs before mqtt.js schedules the next attempt: set its delay from the backoff.
      if (!this.closing && this.config.reconnectPeriod !== 0)
        client.options.reconnectPeriod = this.backoff.next();
      if (this.closing) return;
      const renewed = this.renewing;
      this.renewing = false;
      if (this.up) {
        this.up = false;
        this.lostAt = Date.now();
        this.reportLost();
        this.emit('disconnect', { error: this.lastError, packet: this.lastDisconnect, requested: false });
        return;
      }
      // Closed by the ack watchdog while mqtt.js was still resending its stored packets (it says
      // `connect` only after that): the broker had answered, so this was no failed attempt.
      if (renewed) return;
      this.failedAttempts++;
      const limit = this.config.reconnectRetries;
      if (limit !== undefined && this.failedAttempts >= limit) {
        const error = this.gaveUpError(this.lastError);
        this.logger.error({ err: error, broker: this.config.brokerUrl }, error.message);
        client.end(true);
        this.emit('gaveUp', error);
      }
    });
    client.on('reconnect', () => {
      // mqtt.js retries on a fixed interval; clear it so the next 'close' sets a fresh, longer delay.
      clearReconnectTimer(client);
      this.emit('reconnect');
    });
    client.on('offline', () => this.emit('offline'));
    client.on('disconnect', (packet) => {
      this.lastDisconnect = packet;
    });
    client.on('error', (error) => {
      this.lastError = error;
      const wrapped = this.connectionError(error);
      if (wrapped.reasonCode !== undefined) {
        // A refused CONNACK: mqtt.js does not retry (it would be refused again), so say so loudly.
        this.logger.error(
          { err: wrapped, broker: this.config.brokerUrl, reasonCode: wrapped.reasonCode },
          'broker refused the connection; not reconnecting (fix the credentials, then restart the app)',
        );
      } else if (!this.outageReported) {
        // Once per outage, with its stack: a broker that stays down would otherwise log at every attempt.
        this.outageReported = true;
        this.logger.error(
          { err: wrapped, broker: this.config.brokerUrl },
          'MQTT connection error; reconnecting',
        );
      } else {
        this.logger.debug(
          { error: wrapped.message, broker: this.config.brokerUrl, failedAttempts: this.failedAttempts },
          'MQTT reconnect attempt failed',
        );
      }
      this.emit('error', wrapped);
    });
  }

  /** `ackTimeout`: the watchdog of this client's unacknowledged packets (one per client). */
  private watchAcks(client: MqttClient): void {
    this.watchdog?.stop();
    this.watchdog = undefined;
    const timeoutMs = this.config.ackTimeout ?? DEFAULT_ACK_TIMEOUT;
    if (timeoutMs === 0) return;
    const reconnecting = this.config.reconnectPeriod !== 0;
    this.watchdog = new AckWatchdog(
      client,
      timeoutMs,
      reconnecting,
      (error) => this.onAckTimeout(client, error, reconnecting),
      () => {
        this.ackStrikes = 0;
        this.backoff.reset();
      },
    );
  }

  /**
   * The broker dropped a packet of ours and keeps the connection open: MQTT resends only on a new
   * connection, so close this one (mqtt.js reconnects with the backoff and resends what it stored).
   */
  private onAckTimeout(client: MqttClient, error: MqttAckTimeoutError, reconnecting: boolean): void {
    if (client !== this.current || this.closing) return;
    this.ackStrikes++;
    this.logger.warn(
      {
        broker: this.config.brokerUrl,
        packet: error.packet,
        messageId: error.messageId,
        topic: error.topic,
        waitedMs: error.waitedMs,
        unacknowledged: error.unacknowledged,
        ackTimeout: error.timeoutMs,
        timeoutsInARow: this.ackStrikes,
      },
      error.message,
    );
    this.emit('ackTimeout', error);
    if (!reconnecting) return;
    this.lastError = error;
    this.renewing = true;
    this.refusals.closingOnPurpose();
    client.stream?.destroy();
  }

  /** One line per lost connection: the broker's reason code and string when it sent a DISCONNECT. */
  private reportLost(): void {
    const packet = this.lastDisconnect;
    const record: Record<string, unknown> = { broker: this.config.brokerUrl };
    if (packet?.reasonCode !== undefined) {
      record.reasonCode = packet.reasonCode;
      record.reason = packet.properties?.reasonString ?? reasonName(packet.reasonCode);
    }
    if (this.lastError) record.error = this.lastError.message;
    this.logger.warn(
      record,
      packet
        ? `MQTT broker disconnected us (${reasonName(packet.reasonCode ?? 0)}, 0x${(packet.reasonCode ?? 0).toString(16)}); reconnecting`
        : 'MQTT connection lost; reconnecting',
    );
  }

  /** The broker refused a packet of ours by ending the connection: fail that operation, never resend it. */
  private onRefused(refusal: Refusal): void {
    const client = this.current;
    const { error, packet } = refusalError(refusal);
    if (packet.cmd === 'subscribe') this.subscribeRefusals.record(refusal);
    if (packet.cmd === 'publish' && packet.qos > 0 && packet.messageId !== undefined && client) {
      this.publisher.refuse(client, packet.messageId, error);
    }
    this.logger.error(
      { err: error, broker: this.config.brokerUrl, reasonCode: refusal.reasonCode },
      error.message,
    );
    // Subscriptions are reported by the subscriber, filter by filter.
    if (packet.cmd !== 'subscribe') this.emit('refused', error);
  }

  private gaveUpError(cause: unknown): MqttConnectionError {
    return new MqttConnectionError(
      `Gave up connecting to ${this.config.brokerUrl} after ${this.failedAttempts} failed attempts in a row (reconnectRetries: ${this.config.reconnectRetries})`,
      { cause },
    );
  }

  private info(reconnect: boolean): ConnectInfo {
    return {
      sessionPresent: this.connack?.sessionPresent === true,
      protocolVersion: this.version,
      reconnect,
      properties: this.connack?.properties,
      capabilities: this.caps,
      broker: this.config.brokerUrl,
    };
  }

  private connectionError(error: Error, serverIndex?: number): MqttConnectionError {
    if (error instanceof MqttConnectionError) return error;
    const code = (error as { code?: unknown }).code;
    const reasonCode = typeof code === 'number' ? code : undefined;
    const detail = error.message || String(code ?? 'unknown error');
    const broker = serverIndex === undefined ? this.config.brokerUrl : this.serverUrl(serverIndex);
    return new MqttConnectionError(`Cannot connect to ${broker} as ${this.clientId}: ${detail}`, {
      cause: error,
      reasonCode,
    });
  }

  /** Sends one SUBSCRIBE with these subscriptions; resolves with the granted QoS / reason code of each. */
  /**
   * Sends one SUBSCRIBE; resolves with each grant. `onSuback` runs as the SUBACK is read, before
   * any later packet (the retained replays that follow it) reaches the dispatcher.
   */
  subscribe(
    subscriptions: readonly Subscription[],
    subscriptionId: number | undefined,
    onSuback?: () => void,
  ): Promise<number[]> {
    const id = subscriptionId !== undefined && this.subscriptionIdsAvailable ? subscriptionId : undefined;
    return sendSubscribe(
      this.requireClient(),
      this.version,
      subscriptions,
      id,
      this.subscribeRefusals,
      onSuback,
    );
  }

  unsubscribe(filters: readonly string[]): Promise<void> {
    return sendUnsubscribe(this.requireClient(), filters);
  }

  /** See `Publisher.publish`. */
  publish(
    topic: string,
    payload: Buffer | string,
    options: IClientPublishOptions,
  ): Promise<IPublishPacket | undefined> {
    this.requireClient();
    return this.publisher.publish(topic, payload, options);
  }

  /** Disconnects cleanly (DISCONNECT, so no last will), waiting up to `timeoutMs` for outgoing acks. */
  async close(timeoutMs = 5000): Promise<void> {
    const client = this.current;
    this.retryAborted = true;
    this.wakeRetry?.();
    if (!client || this.closing) return;
    this.closing = true;
    // The PUBACKs of messages handled in this event-loop turn go before the DISCONNECT.
    this.pubacks.flush();
    this.watchdog?.stop();
    const wasUp = this.up;
    this.up = false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => client.end(true, () => resolve()), timeoutMs);
      client.end(!client.connected, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.publisher.abandon(
      new Error(
        'the app stopped before the broker acknowledged it (a persistent outgoingStore sends it on the next start)',
      ),
    );
    if (wasUp && this.hasConnected) {
      this.emit('disconnect', { error: undefined, packet: undefined, requested: true });
    }
  }

  private requireClient(): MqttClient {
    if (!this.current) throw new MqttConnectionError('The MQTT app has not been started: call start() first');
    return this.current;
  }
}

/** What an attempt's failure was, for the retry log line: "not reachable" only when it is not. */
function describeFailure(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof ClosedBeforeConnack) return 'MQTT broker closed the connection before any CONNACK';
  if (/no CONNACK/.test((cause as Error | undefined)?.message ?? ''))
    return 'MQTT broker sent no CONNACK in time';
  return 'MQTT broker not reachable';
}

/** `mqtt://host:1883` → mqtt.js's `servers` entry. */
function toServer(url: string): {
  host: string;
  port: number;
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss' | 'tcp' | 'ssl';
} {
  const parsed = new URL(url);
  const protocol = parsed.protocol.replace(/:$/, '') as 'mqtt' | 'mqtts' | 'ws' | 'wss' | 'tcp' | 'ssl';
  const defaults: Record<string, number> = {
    mqtt: 1883,
    tcp: 1883,
    mqtts: 8883,
    ssl: 8883,
    ws: 80,
    wss: 443,
  };
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : (defaults[protocol] ?? 1883),
    protocol,
  };
}

/**
 * Turns Nagle's algorithm off on the client's TCP/TLS socket (mqtt.js leaves it on): with it, a
 * small packet following another waits for the broker's delayed ACK, about 40 ms per hop, which
 * makes a request/response round trip take ~90 ms instead of ~1 ms. Websocket streams have no
 * such switch and are left alone. `MqttConfig.noDelay: false` keeps Nagle (throughput).
 */
function noDelay(client: MqttClient): void {
  const stream = client.stream as { setNoDelay?: (noDelay: boolean) => unknown } | undefined;
  stream?.setNoDelay?.(true);
}
