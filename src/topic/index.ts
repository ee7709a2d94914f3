/** The topic engine: validation, matching, named-parameter patterns, prefix joining and the dispatch trie. */

export { joinTopic } from './join.js';
export { matchTopic } from './match.js';
export type { TopicParamNames, TopicParamsOf } from './params-type.js';
export { parsePattern, type TopicPattern } from './pattern.js';
export { isSharedFilter, SHARE_PREFIX, type SharedFilter, shareFilter, splitSharedFilter } from './shared.js';
export { TopicTrie } from './trie.js';
export {
  isValidTopicFilter,
  isValidTopicName,
  MAX_TOPIC_BYTES,
  validateTopicFilter,
  validateTopicName,
} from './validate.js';
