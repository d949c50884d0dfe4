// ack-before-process: The delivery is acknowledged, committed or deleted before the work it carries has finished.
import type { Rule } from '../src/rule.js';

export const ackBeforeProcess: Rule = {
  id: 'ack-before-process',
  defaultLevel: 'error',
  description: 'The delivery is acknowledged, committed or deleted before the work it carries has finished.',
  tags: ['reliability', 'message-loss'],
  precision: 'high',
  check() {
    // Not implemented yet: the rule's analysis is built in its own issue.
  },
};
