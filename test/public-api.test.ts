import assert from 'node:assert/strict';
import { it } from 'node:test';
import { publicApi, snapshot } from './helpers/api-surface.js';

// The published declarations, export by export and member by member, against the committed
// test/fixtures/public-api.txt: a refactoring cannot change the API unnoticed. For an intended
// change, run `npm run api:update` and commit the new snapshot with the change.
it('the public API of dist/ is the one in test/fixtures/public-api.txt', () => {
  assert.equal(publicApi(), snapshot(), 'the public API changed: if intended, run npm run api:update');
});
