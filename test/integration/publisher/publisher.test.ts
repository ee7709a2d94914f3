import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { brokerSuite } from '../../helpers/broker-suite.js';
import { targets } from '../../helpers/targets.js';
import { collectMessages } from '../../helpers/wait.js';

class NoteDto {
  @IsString() text!: string;
}

for (const target of targets) {
  describe(`declared publishers on ${target.name}`, { skip: target.skip }, () => {
    const suite = brokerSuite(target);

    it('publish() sends the payload to the filled-in topic with the declared QoS and RETAIN flag', async () => {
      const app = await suite.start();
      const notes = app.service.publisher('notes/+user/#path', { qos: 1, retain: true, payload: NoteDto });
      const status = app.service.publisher('status/app', { payload: String });
      const subscriber = await suite.pool.connect(suite.url, {
        protocolVersion: target.protocolVersion ?? 4,
      });
      await subscriber.subscribeAsync(['notes/#', 'status/#'], { qos: 1 });
      const arriving = collectMessages(subscriber, 3, 10_000);
      const result = await notes.publish({ user: 'ann', path: 'inbox/today' }, { text: 'hi' });
      assert.deepEqual([result.topic, result.qos], ['notes/ann/inbox/today', 1]);
      await notes.publish({ user: 'bob', path: '' }, { text: 'root' }, { retain: false });
      await status.publish('up');
      const messages = await arriving;
      assert.deepEqual(messages.map((m) => [m.topic, m.payload.toString()]).sort(), [
        ['notes/ann/inbox/today', '{"text":"hi"}'],
        ['notes/bob', '{"text":"root"}'],
        ['status/app', 'up'],
      ]);
      // The declared RETAIN flag: a new subscriber gets the first note as a retained message.
      const late = await suite.pool.connect(suite.url, { protocolVersion: target.protocolVersion ?? 4 });
      const retained = collectMessages(late, 1, 10_000);
      await late.subscribeAsync('notes/#', { qos: 1 });
      const [first] = await retained;
      assert.equal(first!.topic, 'notes/ann/inbox/today');
      assert.equal(first!.packet.retain, true);
    });
  });
}
