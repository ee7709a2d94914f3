import type { MqttConfig } from '../client/config.js';
import type { AsyncApiServer, MqttServerBinding } from './document.js';

const VERSIONS: Record<number, string> = { 3: '3.1', 4: '3.1.1', 5: '5.0' };

/**
 * The broker as an AsyncAPI server: host and port, protocol from the URL scheme, protocol
 * version, pathname for WebSockets. Never credentials: user name and password are dropped.
 */
export function brokerServer(config: MqttConfig): AsyncApiServer {
  const url = new URL(config.brokerUrl);
  const protocol = url.protocol.replace(/:$/, '');
  const server: AsyncApiServer = { host: url.host, protocol };
  if (config.protocolVersion !== undefined) {
    server.protocolVersion = VERSIONS[config.protocolVersion] ?? String(config.protocolVersion);
  } else {
    server.protocolVersion = '5.0';
    server.description = 'MQTT 5.0, falling back to 3.1.1 when the broker refuses 5.0.';
  }
  if (url.pathname && url.pathname !== '/') server.pathname = url.pathname;
  const binding: MqttServerBinding = { bindingVersion: '0.2.0' };
  if (config.clientId !== undefined) binding.clientId = config.clientId;
  if (config.clean !== undefined) binding.cleanSession = config.clean;
  if (config.keepalive !== undefined) binding.keepAlive = config.keepalive;
  if (config.sessionExpiryInterval !== undefined)
    binding.sessionExpiryInterval = config.sessionExpiryInterval;
  if (Object.keys(binding).length > 1) server.bindings = { mqtt: binding };
  return server;
}
