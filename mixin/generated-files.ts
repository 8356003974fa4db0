// Every file the mixin generates, as path (relative to the repository) and content: what
// `npm run generate` writes and what the up-to-date test compares with the committed files.
import { renderAlertsDoc } from './alerts-doc.js';
import type { MixinConfig } from './config.js';
import { domainDetail, fleetOverview, targetDetail } from './dashboards/dashboards.js';
import { allRuleGroups } from './rules/all-rules.js';
import { FLAP_SCENARIOS } from './rules/flap-scenarios.js';
import { renderFlapTests } from './rules/flap-tests.js';
import { renderRules } from './rules/render-rules.js';

export interface GeneratedFile {
  path: string;
  content: string;
}

export function generatedFiles(c: MixinConfig): GeneratedFile[] {
  const groups = allRuleGroups(c);
  return [
    { path: 'config/prometheus/ehlo-exporter.rules.yml', content: renderRules(groups) },
    { path: 'config/prometheus/ehlo-exporter.flap.test.yml', content: renderFlapTests(c, FLAP_SCENARIOS) },
    { path: 'docs/alerts.md', content: renderAlertsDoc(c, groups) },
    { path: 'dashboards/ehlo-fleet-overview.json', content: `${JSON.stringify(fleetOverview(c), null, 2)}\n` },
    { path: 'dashboards/ehlo-target-detail.json', content: `${JSON.stringify(targetDetail(c), null, 2)}\n` },
    { path: 'dashboards/ehlo-domain.json', content: `${JSON.stringify(domainDetail(c), null, 2)}\n` },
  ];
}
