import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { MqttConfig } from 'koa-mqtt';
import { type EmbeddedBroker, startEmbeddedBroker } from 'koa-mqtt/testing';
import { createApp } from './app.js';

/** The embedded broker's default port: next to MQTT's 1883, which a system broker may hold. */
const DEFAULT_EMBEDDED_PORT = 1884;

async function main(): Promise<void> {
  let broker: EmbeddedBroker | undefined;
  let config: MqttConfig;
  if (process.env.MQTT_URL) {
    config = MqttConfig.fromEnv();
  } else {
    broker = await startBroker(process.env.MQTT_EMBEDDED_PORT);
    console.log(
      `Embedded MQTT broker on ${broker.url} (try: mosquitto_pub -h ${broker.host} -p ${broker.port} -t sensors/kitchen/temperature -m '{"celsius":21.5}')`,
    );
    // aedes speaks MQTT 3.1.1 only: say so, rather than trying 5 first.
    config = MqttConfig.fromEnv(process.env, { url: broker.url, protocolVersion: 4 });
  }

  const { mqtt } = createApp(config);
  const host = process.env.HOST ?? '127.0.0.1';
  const server = await mqtt.listen(Number(process.env.PORT ?? 3000), host);
  console.log(`HTTP listening on http://${host}:${(server.address() as AddressInfo).port}`);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    const force = setTimeout(() => {
      console.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    await mqtt.stop();
    await broker?.close();
    console.log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', shutdown); // `on`, not `once`: Ctrl-C under npm may deliver SIGINT twice
  process.on('SIGTERM', shutdown);
}

/** Starts aedes in this process on `MQTT_EMBEDDED_PORT` (0: any free port), or 1884 if free. */
async function startBroker(configured: string | undefined): Promise<EmbeddedBroker> {
  if (configured !== undefined && configured !== '') return startEmbeddedBroker({ port: Number(configured) });
  try {
    return await startEmbeddedBroker({ port: DEFAULT_EMBEDDED_PORT });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return startEmbeddedBroker({ port: 0 });
  }
}

main().catch((error: unknown) => {
  console.error(`example-app failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
