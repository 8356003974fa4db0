// Every rule group the mixin ships, in file order. A new subject is one module returning a RuleGroup,
// listed here.
import type { MixinConfig } from '../config.js';
import { capabilityAlerts } from './capability-alerts.js';
import { domainAlerts } from './domain-alerts.js';
import { exporterAlerts } from './exporter-alerts.js';
import { policyAlerts } from './policy-alerts.js';
import { poolAlerts } from './pool-alerts.js';
import { probeAlerts } from './probe-alerts.js';
import { recordingRules } from './recording-rules.js';
import type { RuleGroup } from './rule-types.js';
import { tlsAlerts } from './tls-alerts.js';

export function allRuleGroups(c: MixinConfig): RuleGroup[] {
  return [probeAlerts(c), capabilityAlerts(c), tlsAlerts(c), poolAlerts(c), exporterAlerts(c), domainAlerts(c), policyAlerts(c), recordingRules(c)];
}
