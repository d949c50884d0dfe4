// order-dependent: The handler overwrites state from the event with no check of version, sequence or event time.
import type { Rule } from '../src/rule.js';

export const orderDependent: Rule = {
  id: 'order-dependent',
  defaultLevel: 'warning',
  description: 'The handler overwrites state from the event with no check of version, sequence or event time.',
  tags: ['reliability', 'consistency'],
  precision: 'medium',
  check() {
    // Not implemented yet: the rule's analysis is built in its own issue.
  },
};
