// assumes-prior-event: The handler loads an entity an earlier event should have created and fails or drops the event when it is missing.
import type { Rule } from '../src/rule.js';

export const assumesPriorEvent: Rule = {
  id: 'assumes-prior-event',
  defaultLevel: 'warning',
  description: 'The handler loads an entity an earlier event should have created and fails or drops the event when it is missing.',
  tags: ['reliability', 'consistency'],
  precision: 'medium',
  check() {
    // Not implemented yet: the rule's analysis is built in its own issue.
  },
};
