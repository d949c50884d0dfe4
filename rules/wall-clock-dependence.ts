// wall-clock-dependence: A business decision is taken from the wall clock or randomness instead of the event\'s own time.
import type { Rule } from '../src/rule.js';

export const wallClockDependence: Rule = {
  id: 'wall-clock-dependence',
  defaultLevel: 'note',
  description: 'A business decision is taken from the wall clock or randomness instead of the event\'s own time.',
  tags: ['reliability', 'determinism'],
  precision: 'medium',
  check() {
    // Not implemented yet: the rule's analysis is built in its own issue.
  },
};
