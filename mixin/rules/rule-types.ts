// The shapes the rule modules build and the renderer writes: Prometheus rule groups, with the "why"
// comments that travel into the generated YAML.
import { FLAP_PROBES, type ForPolicy, type MixinConfig } from '../config.js';
import { durationSeconds, spelledDuration } from '../durations.js';

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertRule {
  kind: 'alert';
  alert: string;
  /** Written above the rule in the YAML: why the expression is what it is. */
  comment?: string;
  expr: string;
  policy: ForPolicy;
  severity: Severity;
  summary: string;
  /** Source lines of a folded text: the renderer writes them as they are, YAML joins them with spaces. */
  description: readonly string[];
  runbookUrl: string;
}

export interface RecordingRule {
  kind: 'record';
  record: string;
  comment?: string;
  expr: string;
}

export interface RuleGroup {
  name: string;
  /** Evaluation interval of the group, when it differs from Prometheus' global one. */
  interval?: string;
  rules: (AlertRule | RecordingRule)[];
}

/** `{a, b}` from the non-empty matchers, or nothing: selectors from the config compose with a rule's own. */
export function sel(...matchers: string[]): string {
  const present = matchers.filter((m) => m.trim() !== '');
  return present.length === 0 ? '' : `{${present.join(', ')}}`;
}

export interface AlertSpec {
  alert: string;
  comment?: string;
  expr: string;
  severity: Severity;
  summary: string;
  description: string[];
}

function policyOf(c: MixinConfig, alert: string): ForPolicy {
  const policy = c.for[alert];
  if (policy === undefined) throw new Error(`mixin config: no \`for\` policy for alert ${alert} (add it to config.for)`);
  return policy;
}

/** An alert's `for:` in words, for texts that say how long a condition has held: "15 minutes". */
export function forText(c: MixinConfig, alert: string): string {
  return spelledDuration(policyOf(c, alert).for);
}

/** An alert with its `for:` policy and absolute runbook link from the config; a missing policy is an error. */
export function alertRule(c: MixinConfig, spec: AlertSpec): AlertRule {
  const policy = policyOf(c, spec.alert);
  const floor = FLAP_PROBES * c.probeIntervalSeconds;
  if (policy.flapGuarded && durationSeconds(policy.for) < floor) {
    throw new Error(
      `mixin config: for.${spec.alert}.for is ${policy.for}, below ${FLAP_PROBES} probe intervals (${floor}s): one flapping probe would fire it`,
    );
  }
  return {
    kind: 'alert',
    alert: spec.alert,
    ...(spec.comment === undefined ? {} : { comment: spec.comment }),
    expr: spec.expr.trim(),
    policy,
    severity: spec.severity,
    summary: spec.summary,
    description: spec.description,
    runbookUrl: `${c.runbookBaseUrl}#${spec.alert.toLowerCase()}`,
  };
}
