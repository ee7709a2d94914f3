import { connect, connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

/** Defaults for raw test clients: fail fast, no silent retry loops. */
const TEST_DEFAULTS: IClientOptions = { reconnectPeriod: 0, connectTimeout: 3000 };

/** Raw mqtt.js clients opened by one test file, all force-closed by {@link ClientPool.closeAll}. */
export class ClientPool {
  private readonly clients = new Set<MqttClient>();

  /** `connectAsync` with test defaults (no reconnect, 3 s connect timeout) overridable by `options`. */
  async connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
    const client = await connectAsync(url, { ...TEST_DEFAULTS, ...options });
    this.clients.add(client);
    return client;
  }

  /**
   * `connect` without waiting, for tests that must listen before the CONNACK (its `sessionPresent`,
   * messages queued for a session) or that want reconnects (pass `reconnectPeriod`).
   */
  open(url: string, options: IClientOptions = {}): MqttClient {
    const client = connect(url, { ...TEST_DEFAULTS, ...options });
    this.clients.add(client);
    return client;
  }

  /** Force-closes every client opened so far. */
  async closeAll(): Promise<void> {
    const clients = [...this.clients];
    this.clients.clear();
    await Promise.all(clients.map((client) => client.endAsync(true)));
  }
}
