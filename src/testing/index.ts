export {
  type EmbeddedBroker,
  type EmbeddedBrokerCredentials,
  type EmbeddedBrokerOptions,
  startEmbeddedBroker,
} from './embedded-broker.js';
