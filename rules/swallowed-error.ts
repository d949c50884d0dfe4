// swallowed-error: A failure inside the handler is caught and dropped, so the delivery is acknowledged as a success.
import type { Rule } from '../src/rule.js';

export const swallowedError: Rule = {
  id: 'swallowed-error',
  defaultLevel: 'error',
  description: 'A failure inside the handler is caught and dropped, so the delivery is acknowledged as a success.',
  tags: ['reliability', 'message-loss'],
  precision: 'high',
  check() {
    // Not implemented yet: the rule's analysis is built in its own issue.
  },
};
