/**
 * Topic name and topic filter validation, exactly per MQTT 3.1.1/5.0 §4.7 and §4.8.2:
 *
 * - at least one character, at most 65,535 bytes in UTF-8 (measured in bytes, not UTF-16 units);
 * - no U+0000 and no lone surrogate (a topic is a well-formed UTF-8 string, §1.5.4);
 * - topic names contain no wildcard at all;
 * - in filters, `+` is a whole level and `#` a whole level that comes last;
 * - `$share/{ShareName}/{filter}`: a non-empty share name without `/ + #`, then a valid filter.
 *
 * Control characters and non-characters are allowed: the spec says SHOULD NOT, not MUST NOT.
 */
import { InvalidTopicError } from '../errors.js';
import { topicFilterProblem, topicNameProblem } from './problems.js';

export { MAX_TOPIC_BYTES } from './problems.js';

/** Throws `InvalidTopicError` (kind 'topic') unless `topic` is a valid topic name to publish to. */
export function validateTopicName(topic: string): void {
  const problem = topicNameProblem(topic);
  if (problem !== undefined) throw new InvalidTopicError('topic', topic, problem.rule, problem.detail);
}

/** Throws `InvalidTopicError` (kind 'filter') unless `filter` is a valid topic filter, shared or not. */
export function validateTopicFilter(filter: string): void {
  const problem = topicFilterProblem(filter);
  if (problem !== undefined) throw new InvalidTopicError('filter', filter, problem.rule, problem.detail);
}

/** Whether `topic` is a valid topic name. Never throws (false for non-strings). */
export function isValidTopicName(topic: string): boolean {
  return typeof topic === 'string' && topicNameProblem(topic) === undefined;
}

/** Whether `filter` is a valid topic filter, shared or not. Never throws (false for non-strings). */
export function isValidTopicFilter(filter: string): boolean {
  return typeof filter === 'string' && topicFilterProblem(filter) === undefined;
}
