// dual-write: The handler writes the database and publishes or calls another service as two separate steps with no outbox.
import type { Rule } from '../src/rule.js';

export const dualWrite: Rule = {
  id: 'dual-write',
  defaultLevel: 'warning',
  description: 'The handler writes the database and publishes or calls another service as two separate steps with no outbox.',
  tags: ['reliability', 'consistency'],
  precision: 'medium',
  check() {
    // Not implemented yet: the rule's analysis is built in its own issue.
  },
};
