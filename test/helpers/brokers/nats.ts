import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from '../executables.js';
import { freePorts } from '../ports.js';
import { trackDir, untrackDir } from '../process-reaper.js';
import {
  BrokerStartError,
  type ExternalBroker,
  retryOnPortClash,
  startBrokerProcess,
  untilMqttAnswers,
} from './broker-process.js';

/** Options of {@link startNats} and {@link startNatsCluster}. */
export interface NatsOptions {
  /** Extra lines for every node's config (NATS config syntax), placed at the top level. */
  readonly extraConfig?: string;
  /**
   * Extra lines inside every node's `mqtt { }` block, e.g. `ack_wait: "2s"` (how long NATS waits
   * for a PUBACK before it redelivers a QoS 1 message, also to a connected client; default 30 s).
   */
  readonly mqtt?: readonly string[];
  /** How long a node may take to answer MQTT (default 20 s; a cluster elects JetStream leaders first). */
  readonly startTimeoutMs?: number;
}

/** A NATS cluster of our own: every node with clustered JetStream and an MQTT listener. */
export interface NatsCluster {
  readonly nodes: readonly ExternalBroker[];
  /** The nodes' MQTT URLs, in node order. */
  readonly urls: readonly string[];
  /** Closes every node and removes the cluster's dir. Idempotent. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * Starts `nats-server` with JetStream (its own `store_dir`) and an MQTT listener, on free ports, in
 * a fresh temp dir; resolves once an MQTT CONNECT gets a CONNACK. NATS speaks MQTT 3.1.1 only.
 */
export async function startNats(options: NatsOptions = {}): Promise<ExternalBroker> {
  const bin = natsBinary();
  const dir = await mkdtemp(join(tmpdir(), 'koa-mqtt-nats-'));
  trackDir(dir);
  try {
    return await retryOnPortClash(async () => {
      const [client, mqtt] = await freePorts(2, HOST);
      const node: NodePlan = { name: `koa-mqtt-${process.pid}-single`, dir, client: client!, mqtt: mqtt! };
      await writeNodeConfig(node, undefined, options);
      return launchNode(bin, node, options);
    });
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}

/**
 * Starts a cluster of `size` (default 3) nats-server nodes routed to each other on loopback, with
 * clustered JetStream and an MQTT listener each. A persistent MQTT session lives in JetStream, so a
 * client may resume it on any node. Resolves once every node answers MQTT.
 */
export async function startNatsCluster(size = 3, options: NatsOptions = {}): Promise<NatsCluster> {
  const bin = natsBinary();
  const root = await mkdtemp(join(tmpdir(), 'koa-mqtt-nats-cluster-'));
  trackDir(root);
  try {
    let attempt = 0;
    const launchCluster = () =>
      retryOnPortClash(async () => {
        attempt++;
        const ports = await freePorts(3 * size, HOST);
        const plans = Array.from({ length: size }, (_, i): NodePlan & { route: number } => ({
          name: `koa-mqtt-${process.pid}-n${i + 1}`,
          dir: join(root, `try${attempt}`, `n${i + 1}`),
          client: ports[3 * i]!,
          mqtt: ports[3 * i + 1]!,
          route: ports[3 * i + 2]!,
          clustered: true,
        }));
        const cluster: ClusterPlan = { name: `koa-mqtt-${process.pid}`, routes: plans.map((p) => p.route) };
        for (const plan of plans) {
          await mkdir(plan.dir, { recursive: true });
          await writeNodeConfig(plan, { ...cluster, listen: plan.route }, options);
        }
        // All at once: JetStream needs a quorum of nodes before any of them takes MQTT sessions.
        const started = await Promise.allSettled(plans.map((plan) => launchNode(bin, plan, options)));
        const failed = started.find((result) => result.status === 'rejected');
        if (failed) {
          await Promise.all(
            started.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)),
          );
          throw failed.reason;
        }
        const nodes = started.map((result) => (result as PromiseFulfilledResult<ExternalBroker>).value);
        // One node at a time: nodes taking their first MQTT clients at once each create the MQTT
        // streams, and NATS 2.9 may then give a stream a replica count the cluster cannot keep
        // ("current is 4 but configuration is 3"), which loses quorum when one node goes.
        try {
          for (const node of nodes) await untilMqttAnswers(node, options.startTimeoutMs ?? 20_000);
        } catch (error) {
          await Promise.all(nodes.map((node) => node.close()));
          throw error;
        }
        return nodes;
      });
    let nodes: ExternalBroker[];
    try {
      nodes = await launchCluster();
    } catch (error) {
      if (!(error instanceof BrokerStartError)) throw error;
      // Seen once in CI, with RabbitMQ and ejabberd starting beside it: a node that logged
      // nothing after JetStream's banner for 20 s. Such a node does not come back; a fresh
      // cluster (new ports, new dirs) starts in seconds. Said, not hidden.
      console.error(`[nats cluster] start failed, starting a fresh cluster: ${error.message.split('\n')[0]}`);
      nodes = await launchCluster();
    }
    let closing: Promise<void> | undefined;
    return {
      nodes,
      urls: nodes.map((node) => node.url),
      close: () => {
        closing ??= (async () => {
          await Promise.all(nodes.map((node) => node.close()));
          await removeDir(root);
        })();
        return closing;
      },
    };
  } catch (error) {
    await removeDir(root);
    throw error;
  }
}

interface NodePlan {
  readonly name: string;
  readonly dir: string;
  readonly client: number;
  readonly mqtt: number;
  /** A node of a cluster (see {@link startNatsCluster}). */
  readonly clustered?: boolean;
}

interface ClusterPlan {
  readonly name: string;
  readonly routes: readonly number[];
}

function natsBinary(): string {
  const bin = findExecutable('nats-server');
  if (!bin) throw new Error('startNats: nats-server is not installed (apt-get install nats-server)');
  return bin;
}

/** Writes `nats.conf`: no HTTP monitor, a small JetStream store in the node's dir, MQTT on loopback. */
async function writeNodeConfig(
  node: NodePlan,
  cluster: (ClusterPlan & { listen: number }) | undefined,
  options: NatsOptions,
): Promise<void> {
  const lines = [
    '# Generated by test/helpers/brokers/nats.ts',
    `server_name: "${node.name}"`,
    `listen: "${HOST}:${node.client}"`,
    'jetstream {',
    `  store_dir: "${join(node.dir, 'jetstream')}"`,
    '  max_memory_store: 256MB',
    '  max_file_store: 1GB',
    '}',
    'mqtt {',
    `  listen: "${HOST}:${node.mqtt}"`,
    // Every MQTT stream (sessions, messages, retained) on every node: left to itself a node sizes
    // them by the routes it has when its first MQTT client comes, which at start-up may be none,
    // and a stream with one replica dies with its node (the publisher's PUBACKs then never come).
    ...(cluster ? [`  stream_replicas: ${cluster.routes.length}`] : []),
    ...(options.mqtt ?? []).map((line) => `  ${line}`),
    '}',
  ];
  if (cluster) {
    lines.push(
      'cluster {',
      `  name: "${cluster.name}"`,
      `  listen: "${HOST}:${cluster.listen}"`,
      // The other nodes only: a route to itself makes a node count one peer too many, and MQTT
      // streams sized by that count (4 replicas on 3 nodes) lose their quorum with one node down.
      `  routes: [${cluster.routes
        .filter((port) => port !== cluster.listen)
        .map((port) => `"nats-route://${HOST}:${port}"`)
        .join(', ')}]`,
      '}',
    );
  }
  if (options.extraConfig) lines.push('# extraConfig', options.extraConfig.trim());
  await writeFile(join(node.dir, 'nats.conf'), `${lines.join('\n')}\n`);
}

function launchNode(bin: string, node: NodePlan, options: NatsOptions): Promise<ExternalBroker> {
  return startBrokerProcess({
    kind: `nats-server ${node.name}`,
    command: bin,
    args: ['-c', join(node.dir, 'nats.conf')],
    dir: node.dir,
    host: HOST,
    port: node.mqtt,
    // In a cluster, no MQTT client (the readiness probe is one) before the JetStream metadata
    // leader is elected: the MQTT streams a node creates earlier may get a replica count the
    // cluster cannot keep ("current is 4 but configuration is 3"), and lose quorum with one node.
    ready: node.clustered
      ? /JetStream cluster new metadata leader|Self is new JetStream cluster metadata leader/
      : /Server is ready/,
    probe: !node.clustered,
    startTimeoutMs: options.startTimeoutMs ?? 20_000,
    stopTimeoutMs: 5000,
  });
}

async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  untrackDir(dir);
}
