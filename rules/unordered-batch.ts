// unordered-batch: A batch from an ordered source is processed concurrently, breaking per-key order.
import type { Rule } from '../src/rule.js';

export const unorderedBatch: Rule = {
  id: 'unordered-batch',
  defaultLevel: 'warning',
  description: 'A batch from an ordered source is processed concurrently, breaking per-key order.',
  tags: ['reliability', 'consistency'],
  precision: 'high',
  check() {
    // Not implemented yet: the rule's analysis is built in its own issue.
  },
};
