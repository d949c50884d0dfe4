// The rule ids of the catalog, without loading the rules (the CLI checks --rule before the compiler loads).
// A test checks that this list and rules/index.ts agree.
export const RULE_IDS: readonly string[] = [
  'no-dedup',
  'ack-before-process',
  'swallowed-error',
  'floating-promise',
  'unbounded-retry',
  'order-dependent',
  'assumes-prior-event',
  'unordered-batch',
  'dual-write',
  'missing-correlation-id',
  'wall-clock-dependence',
];
