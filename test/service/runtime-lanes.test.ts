import 'reflect-metadata';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createTestApp } from '../../src/testing/index.js';

it('runtime subscriptions with concurrency or handlerTimeout give their lane back when unsubscribed', async () => {
  const test = await createTestApp();
  try {
    const dispatcher = test.app.dispatcher;
    const before = dispatcher.laneCount;
    for (let i = 0; i < 50; i++) {
      await test.service.subscribe(`lanes/${i}/+`, () => {}, { concurrency: 2 });
      await test.service.subscribe(`lanes/${i}/#`, () => {}, { handlerTimeout: 1000 });
    }
    assert.equal(dispatcher.laneCount, before + 100, 'one lane per route with settings of its own');
    for (let i = 0; i < 25; i++) await test.service.unsubscribe(`lanes/${i}/+`);
    assert.equal(dispatcher.laneCount, before + 75);
    await test.service.unsubscribeAll();
    assert.equal(dispatcher.laneCount, before, 'every runtime lane released');
    // Subscribing again after that works as before: the lane's limit applies.
    let running = 0;
    let peak = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await test.service.subscribe(
      'lanes/again',
      async () => {
        running++;
        peak = Math.max(peak, running);
        await gate;
        running--;
      },
      { concurrency: 1 },
    );
    const outcomes = [test.publish('lanes/again', 'a'), test.publish('lanes/again', 'b')];
    release();
    await Promise.all(outcomes);
    assert.equal(peak, 1);
  } finally {
    await test.stop();
  }
});
