// The contract between the pipeline and a rule module in rules/. A rule reads one handler
// and its reach, and reports what it can stand behind.
import type { ts } from './analysis/ast.js';
import type { Project } from './analysis/project.js';
import type { Reach } from './analysis/reach.js';
import type { ResolvedConfig } from './config.js';
import type { Handler, ReportLevel } from './model.js';

export interface RuleMeta {
  id: string;
  defaultLevel: ReportLevel;
  /** One sentence, for --help, SARIF shortDescription and the rule index. */
  description: string;
  /** Tags for SARIF (`reliability`, `correctness`, ...). */
  tags: string[];
  /** How sure a finding is: SARIF precision (very-high, high, medium, low). */
  precision: 'very-high' | 'high' | 'medium' | 'low';
}

export interface ReportOptions {
  /** Extra places worth showing, with a label each. */
  related?: { node: ts.Node; message: string }[];
}

export interface RuleContext {
  handler: Handler;
  reach: Reach;
  project: Project;
  config: ResolvedConfig;
  /**
   * Reports a finding about `node`, which may lie in any function of the reach. The pipeline
   * puts the primary location in the handler's own file (the node itself, or the call in the
   * handler that leads to it) and keeps the deeper place and the call chain as related locations.
   */
  report(node: ts.Node, message: string, options?: ReportOptions): void;
}

export interface Rule extends RuleMeta {
  check(ctx: RuleContext): void;
}
