// missing-correlation-id: An outgoing publish or internal call does not carry the incoming delivery\'s correlation or trace id.
import type { Rule } from '../src/rule.js';

export const missingCorrelationId: Rule = {
  id: 'missing-correlation-id',
  defaultLevel: 'note',
  description: 'An outgoing publish or internal call does not carry the incoming delivery\'s correlation or trace id.',
  tags: ['observability'],
  precision: 'medium',
  check() {
    // Not implemented yet: the rule's analysis is built in its own issue.
  },
};
