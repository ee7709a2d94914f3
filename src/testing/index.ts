export {
  type EmbeddedBroker,
  type EmbeddedBrokerCredentials,
  type EmbeddedBrokerOptions,
  type EmbeddedPayload,
  type EmbeddedPublishOptions,
  startEmbeddedBroker,
} from './embedded-broker.js';
