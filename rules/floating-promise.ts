// floating-promise: Async work inside a handler is started and not awaited, so the delivery is acknowledged before the work ends.
import type { Rule } from '../src/rule.js';

export const floatingPromise: Rule = {
  id: 'floating-promise',
  defaultLevel: 'error',
  description: 'Async work inside a handler is started and not awaited, so the delivery is acknowledged before the work ends.',
  tags: ['reliability', 'message-loss'],
  precision: 'high',
  check() {
    // Not implemented yet: the rule's analysis is built in its own issue.
  },
};
