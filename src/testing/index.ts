export { brokerTestApps, createBrokerTestApp } from './broker-test-app.js';
export {
  type EmbeddedBroker,
  type EmbeddedBrokerCredentials,
  type EmbeddedBrokerOptions,
  type EmbeddedPayload,
  type EmbeddedPublishOptions,
  startEmbeddedBroker,
} from './embedded-broker.js';
export { MemoryBroker, type MemoryClient, type MemoryMessage } from './memory-broker.js';
export type { MemoryAck, PublishedMessage } from './memory-connection.js';
export type { HandlerRun } from './run-recorder.js';
export {
  createTestApp,
  type HandlerSpy,
  type PublishOutcome,
  type TestApp,
  type TestAppFactory,
  type TestAppOptions,
} from './test-app.js';
