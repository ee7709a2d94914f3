import { MqttCapabilityError, quote } from '../errors.js';
import { isSharedFilter, splitSharedFilter } from '../topic/shared.js';
import type { BrokerCapabilities } from './capabilities.js';

/**
 * The subscriptions among `filters` the broker does not allow (Shared / Wildcard Subscription
 * Available false in its CONNACK, or declared in `brokerLimits`), as one error naming every one
 * of them; undefined when all are allowed. Checked before a SUBSCRIBE is sent: ejabberd answers
 * a `$share` SUBSCRIBE with DISCONNECT 0x9E, NATS and RabbitMQ take it and deliver nothing.
 */
export function subscriptionLimitsError(
  filters: readonly string[],
  capabilities: BrokerCapabilities,
): MqttCapabilityError | undefined {
  const shared = capabilities.sharedSubscriptionAvailable ? [] : filters.filter(isSharedFilter);
  const wildcard = capabilities.wildcardSubscriptionAvailable
    ? []
    : filters.filter((filter) => /(^|\/)[+#](\/|$)/.test(splitSharedFilter(filter).filter));
  if (shared.length > 0) {
    return new MqttCapabilityError(
      `The broker does not support shared subscriptions (Shared Subscription Available is false): ${shared.map(quote).join(', ')}`,
      'sharedSubscriptionAvailable',
      shared,
      false,
    );
  }
  if (wildcard.length > 0) {
    return new MqttCapabilityError(
      `The broker does not support wildcard subscriptions (Wildcard Subscription Available is false): ${wildcard.map(quote).join(', ')}`,
      'wildcardSubscriptionAvailable',
      wildcard,
      false,
    );
  }
  return undefined;
}
