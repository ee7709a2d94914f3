import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { IsIn, IsString } from 'class-validator';
import Koa from 'koa';
import {
  Body,
  createKoaServer,
  Get,
  HttpCode,
  JsonController,
  Post,
  useContainer,
  useKoaServer,
} from 'routing-controllers';
import { Container, Service } from 'typedi';
import {
  MqttController,
  type MqttKoaHandle,
  MqttService,
  Payload,
  silentLogger,
  Topic,
  TopicParam,
  useMqtt,
} from '../../../src/index.js';
import { ClientPool } from '../../helpers/clients.js';
import { type RunningBroker, targets } from '../../helpers/targets.js';
import { collectMessages, waitFor } from '../../helpers/wait.js';

useContainer(Container);

/** Shared by the MQTT controller (writes) and the HTTP controller (reads). */
@Service()
class Inbox {
  readonly notes = new Map<string, string>();
}

@Service()
@MqttController('notes')
class NoteController {
  constructor(private readonly inbox: Inbox) {}
  @Topic('+name', { qos: 1 })
  note(@TopicParam('name') name: string, @Payload() text: string) {
    this.inbox.notes.set(name, text);
  }
}

class AlertBody {
  @IsString() message!: string;
  @IsIn([0, 1, 2]) qos!: 0 | 1 | 2;
}

@Service()
@JsonController('/api')
class AlertController {
  constructor(
    private readonly mqtt: MqttService,
    private readonly inbox: Inbox,
  ) {}

  @Post('/alerts')
  @HttpCode(202)
  async raise(@Body() body: AlertBody) {
    return this.mqtt.publish('alerts/raised', { message: body.message }, { qos: body.qos });
  }

  @Get('/notes')
  notes() {
    return Object.fromEntries(this.inbox.notes);
  }

  @Get('/topics')
  topics() {
    return this.mqtt.topics.map((t) => t.filter);
  }
}

function url(server: Server, path: string): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
}

for (const target of targets.slice(0, 2)) {
  describe(`routing-controllers + typedi on ${target.name}`, { skip: target.skip }, () => {
    let broker: RunningBroker;
    let handle: MqttKoaHandle | undefined;
    const pool = new ClientPool();
    before(async () => {
      broker = await target.start();
    });
    afterEach(async () => {
      await handle?.stop();
      handle = undefined;
      Container.reset();
      await pool.closeAll();
    });
    after(() => broker.close());

    const post = (server: Server, body: unknown) =>
      fetch(url(server, '/api/alerts'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('injects the live MqttService into a @JsonController made by createKoaServer', async () => {
      const app = createKoaServer({ controllers: [AlertController], validation: true }) as Koa;
      handle = useMqtt(app, {
        url: broker.url,
        protocolVersion: target.protocolVersion,
        container: Container,
        controllers: [NoteController],
        logger: silentLogger,
      });
      assert.equal(Container.get(MqttService), handle.service);
      const server = await handle.listen(0, '127.0.0.1');
      const client = await pool.connect(broker.url);
      await client.subscribeAsync('alerts/#', { qos: 1 });
      const received = collectMessages(client, 1, 5000);
      const response = await post(server, { message: 'door open', qos: 1 });
      assert.equal(response.status, 202);
      const result = (await response.json()) as { topic: string; qos: number; messageId: number };
      assert.equal(result.topic, 'alerts/raised');
      assert.equal(result.qos, 1);
      assert.equal(typeof result.messageId, 'number');
      const [message] = await received;
      assert.deepEqual(JSON.parse(message!.payload.toString()), { message: 'door open' });

      const invalid = await post(server, { message: 'x', qos: 7 });
      assert.equal(invalid.status, 400, 'routing-controllers validated the HTTP body');

      await client.publishAsync('notes/alice', 'hello', { qos: 1 });
      const notes = async () =>
        (await (await fetch(url(server, '/api/notes'))).json()) as Record<string, string>;
      await waitFor(async () => (await notes()).alice === 'hello', {
        timeout: 5000,
        message: 'the MQTT controller wrote into the shared typedi service',
      });
      assert.deepEqual(await (await fetch(url(server, '/api/topics'))).json(), ['notes/+']);
    });

    it('works with useKoaServer on an existing Koa app', async () => {
      const app = new Koa();
      useKoaServer(app, { controllers: [AlertController] });
      handle = useMqtt(app, {
        url: broker.url,
        protocolVersion: target.protocolVersion,
        container: Container,
        logger: silentLogger,
      });
      const server = await handle.listen(0, '127.0.0.1');
      const client = await pool.connect(broker.url);
      await client.subscribeAsync('alerts/#', { qos: 0 });
      const received = collectMessages(client, 1, 5000);
      assert.equal((await post(server, { message: 'hi', qos: 0 })).status, 202);
      assert.equal((await received)[0]!.topic, 'alerts/raised');
    });
  });
}
