import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import { ClientPool } from '../../helpers/clients.js';
import { type MosquittoBroker, startMosquitto } from '../../helpers/mosquitto.js';
import { mosquittoSkipReason } from '../../helpers/mosquitto-available.js';
import { waitFor } from '../../helpers/wait.js';
import { WorkerProcess } from '../../helpers/worker-process.js';

const WORKER = join(import.meta.dirname, '..', '..', 'fixtures', 'share-worker.js');
const GROUP = 'readings-workers';

/** The job numbers a worker printed, in order. */
function jobs(worker: WorkerProcess): number[] {
  return worker.lines.filter((line) => line.startsWith('job ')).map((line) => Number(line.slice(4)));
}

/** Publishes jobs/{from}..jobs/{to} at QoS 1, `window` at a time; resolves when all were PUBACKed. */
async function publishJobs(client: MqttClient, from: number, to: number, window = 100): Promise<void> {
  for (let start = from; start <= to; start += window) {
    const batch: Array<Promise<unknown>> = [];
    for (let n = start; n < start + window && n <= to; n++) {
      batch.push(client.publishAsync(`jobs/${n}`, String(n), { qos: 1 }));
    }
    await Promise.all(batch);
  }
}

/** Every number of from..to exactly once across `workers`: none lost, none twice. */
function assertExactlyOnce(workers: readonly WorkerProcess[], from: number, to: number): void {
  const seen = new Map<number, string[]>();
  for (const worker of workers) {
    for (const n of jobs(worker)) {
      if (n < from || n > to) continue;
      seen.set(n, [...(seen.get(n) ?? []), worker.name]);
    }
  }
  const missing: number[] = [];
  const twice: string[] = [];
  for (let n = from; n <= to; n++) {
    const by = seen.get(n);
    if (!by) missing.push(n);
    else if (by.length > 1) twice.push(`${n} by ${by.join(', ')}`);
  }
  assert.deepEqual(missing, [], `lost: ${missing.length}`);
  assert.deepEqual(twice, [], `handled twice: ${twice.length}`);
}

function handledBetween(workers: readonly WorkerProcess[], from: number, to: number): number {
  let count = 0;
  for (const worker of workers) for (const n of jobs(worker)) if (n >= from && n <= to) count++;
  return count;
}

for (const protocolVersion of [5, 4] as const) {
  const protocol = protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
  describe(`share group across three processes on Mosquitto (${protocol})`, {
    skip: mosquittoSkipReason(),
  }, () => {
    let broker: MosquittoBroker;
    const pool = new ClientPool();
    let publisher: MqttClient;
    let workers: WorkerProcess[] = [];

    before(async () => {
      // Room for every message in a member's queue: this test is about the group, not queue limits.
      broker = await startMosquitto({ maxQueuedMessages: 10_000 });
      publisher = await pool.connect(broker.url, { protocolVersion });
      const env = {
        MQTT_URL: broker.url,
        MQTT_SHARE_GROUP: GROUP,
        MQTT_PROTOCOL_VERSION: String(protocolVersion),
      };
      workers = ['a', 'b', 'c'].map((name) => new WorkerProcess(`worker ${name}`, WORKER, env));
      await Promise.all(workers.map((w) => w.waitForLine((line) => line.startsWith('ready '), 15_000)));
    });
    after(async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await pool.closeAll();
      await broker.close();
    });

    it('each instance has its own client id and the group from MQTT_SHARE_GROUP', () => {
      const ready = workers.map((w) => w.lines.find((line) => line.startsWith('ready '))!.split(' '));
      assert.equal(new Set(ready.map(([, clientId]) => clientId)).size, 3);
      for (const [, clientId, group] of ready) {
        assert.match(clientId!, /^koa-mqtt-[0-9a-f]{12}$/);
        assert.equal(group, GROUP);
      }
    });

    it('runs a handler opted out of the group in every instance', async () => {
      await publisher.publishAsync('config/update', 'v1', { qos: 1 });
      await Promise.all(workers.map((w) => w.waitForLine((line) => line === 'config v1', 5000)));
    });

    it('handles 3,000 QoS 1 messages exactly once across three, then 1,000 more across the two left after a SIGKILL', async (t) => {
      await publishJobs(publisher, 1, 3000);
      await waitFor(() => handledBetween(workers, 1, 3000) >= 3000, {
        timeout: 20_000,
        message: `3000 jobs handled (so far ${handledBetween(workers, 1, 3000)})`,
      });
      assertExactlyOnce(workers, 1, 3000);
      for (const worker of workers) {
        assert.ok(jobs(worker).length > 0, `${worker.name} handled none of the 3000`);
      }
      t.diagnostic(`first 3000 per instance: ${workers.map((w) => `${w.name}=${jobs(w).length}`).join(' ')}`);

      // Kill one with nothing in flight: every job was PUBACKed by the broker and printed by a
      // worker (which prints before it acknowledges). Publishing resumes only after Mosquitto
      // has dropped the dead member (it logs the closed connection), so that no message is
      // routed to it: the guarantee is "nothing lost among the survivors", not redelivery.
      const [victim, ...survivors] = workers as [WorkerProcess, ...WorkerProcess[]];
      const victimId = victim.lines.find((line) => line.startsWith('ready '))!.split(' ')[1]!;
      const before = jobs(victim).length;
      await victim.kill();
      await waitFor(
        () => new RegExp(`Client ${victimId} (closed its connection|disconnected)`).test(broker.logs()),
        {
          timeout: 5000,
          message: `Mosquitto noticed ${victimId} is gone`,
        },
      );

      await publishJobs(publisher, 3001, 4000);
      await waitFor(() => handledBetween(survivors, 3001, 4000) >= 1000, {
        timeout: 20_000,
        message: `1000 more jobs handled (so far ${handledBetween(survivors, 3001, 4000)})`,
      });
      assertExactlyOnce(survivors, 3001, 4000);
      for (const worker of survivors) {
        assert.ok(handledBetween([worker], 3001, 4000) > 0, `${worker.name} handled none of the last 1000`);
      }
      t.diagnostic(
        `last 1000 per survivor: ${survivors.map((w) => `${w.name}=${handledBetween([w], 3001, 4000)}`).join(' ')}`,
      );
      assert.equal(jobs(victim).length, before, 'the killed instance handled nothing after its death');
      // Nothing else arrives late (a duplicate would show up here): the config barrier goes
      // through each survivor's queue after every job.
      await publisher.publishAsync('config/update', 'v2', { qos: 1 });
      await Promise.all(survivors.map((w) => w.waitForLine((line) => line === 'config v2', 5000)));
      assertExactlyOnce(survivors, 3001, 4000);
    });
  });
}

/**
 * What happens to the messages of an instance killed mid-flow (measured on Mosquitto 2.0): the
 * broker picks the member when a message arrives and queues it in that member's session. With
 * a clean session they die with the member; with a persistent session and a stable client id
 * they wait for that id. This test kills one of three persistent members while about 1,700
 * jobs are queued or in flight, restarts it with the same client id, and checks that every job
 * is handled at least once; a job handled twice must be one the killed instance printed but
 * had not acknowledged (at-least-once, as QoS 1 promises). MQTT 3.1.1 behaves the same (measured;
 * not repeated here to keep the suite short: each app process takes a second or two to start).
 */
{
  const protocolVersion = 5;
  const protocol = 'MQTT 5';
  describe(`a persistent group member killed mid-flow on Mosquitto (${protocol})`, {
    skip: mosquittoSkipReason(),
  }, () => {
    it('gets its queued and in-flight jobs when it comes back with the same client id', async (t) => {
      const broker = await startMosquitto({ maxQueuedMessages: 10_000 });
      const pool = new ClientPool();
      const started: WorkerProcess[] = [];
      try {
        const publisher = await pool.connect(broker.url, { protocolVersion });
        const spawnWorker = (name: string) => {
          const worker = new WorkerProcess(name, WORKER, {
            MQTT_URL: broker.url,
            MQTT_PROTOCOL_VERSION: String(protocolVersion),
            MQTT_SHARE_GROUP: GROUP,
            MQTT_CLIENT_ID: `worker-${name[0]}-${protocolVersion}`,
            MQTT_CLEAN: 'false',
            MQTT_SESSION_EXPIRY: '300',
            WORKER_DELAY_MS: '2',
          });
          started.push(worker);
          return worker;
        };
        const workers = ['a', 'b', 'c'].map(spawnWorker);
        await Promise.all(workers.map((w) => w.waitForLine((line) => line.startsWith('ready '), 15_000)));
        const TOTAL = 2000;
        const acked: Array<Promise<unknown>> = [];
        for (let n = 1; n <= TOTAL; n++)
          acked.push(publisher.publishAsync(`jobs/${n}`, String(n), { qos: 1 }));
        await waitFor(() => handledBetween(workers, 1, TOTAL) >= 300, {
          timeout: 10_000,
          message: '300 handled',
        });
        const victim = workers[0]!;
        await victim.kill();
        await Promise.all(acked);
        const handledBeforeDeath = new Set(jobs(victim));
        const back = spawnWorker('a again');
        await back.waitForLine((line) => line.startsWith('ready '), 15_000);
        const everyone = [...workers, back];
        const distinct = () => new Set(everyone.flatMap(jobs)).size;
        await waitFor(() => distinct() >= TOTAL, {
          timeout: 20_000,
          message: `all ${TOTAL} (so far ${distinct()})`,
        });
        t.diagnostic(
          `killed after ${handledBeforeDeath.size}; survivors ${jobs(workers[1]!).length}+${jobs(workers[2]!).length}; back with its session: ${jobs(back).length}`,
        );
        assert.ok(jobs(back).length > 0, 'the restarted instance got its queued jobs');
        const twice = jobs(back).filter((n) => handledBeforeDeath.has(n));
        const counts = new Map<number, number>();
        for (const n of everyone.flatMap(jobs)) counts.set(n, (counts.get(n) ?? 0) + 1);
        const duplicates = [...counts].filter(([, count]) => count > 1).map(([n]) => n);
        assert.deepEqual(
          duplicates.sort(),
          twice.sort(),
          'only unacknowledged jobs of the killed instance come twice',
        );
      } finally {
        for (const worker of started) await worker.kill();
        await pool.closeAll();
        await broker.close();
      }
    });
  });
}
