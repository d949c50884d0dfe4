// unbounded-retry: A failure path requeues the same delivery with no bound, so a poison message loops for ever.
import type { Rule } from '../src/rule.js';

export const unboundedRetry: Rule = {
  id: 'unbounded-retry',
  defaultLevel: 'warning',
  description: 'A failure path requeues the same delivery with no bound, so a poison message loops for ever.',
  tags: ['reliability', 'availability'],
  precision: 'high',
  check() {
    // Not implemented yet: the rule's analysis is built in its own issue.
  },
};
