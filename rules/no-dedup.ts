// no-dedup: A handler performs a non-idempotent side effect and nothing deduplicates the delivery.
import type { Rule } from '../src/rule.js';

export const noDedup: Rule = {
  id: 'no-dedup',
  defaultLevel: 'error',
  description: 'A handler performs a non-idempotent side effect and nothing deduplicates the delivery.',
  tags: ['reliability', 'idempotency'],
  precision: 'high',
  check() {
    // Not implemented yet: the rule's analysis is built in its own issue.
  },
};
