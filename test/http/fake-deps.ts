// HttpDeps for route tests: the real exporter registry over fixed states, and scriptable actions
// that record how they were called.
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import type { HttpDeps } from '../../src/http/server.js';
import type { OnDemandOutcome } from '../../src/state/on-demand-outcome.js';
import type { ChangeEvent, TargetState } from '../../src/state/types.js';
import { GOLDEN_STATES, GOLDEN_STATUS, T0 } from '../fixtures/metrics/states.js';

export interface FakeDeps extends HttpDeps {
  calls: { probe: string[]; changes: [string, number][]; reloads: number };
  ready: boolean;
  reloadOutcome: { ok: true } | { ok: false; error: string };
  probeOutcome: (target: string) => Promise<OnDemandOutcome>;
  states: readonly TargetState[];
}

export function change(target: string, i: number): ChangeEvent {
  return { target, at: T0 + i, kind: 'size_decreased', tls: false, subject: 'SIZE', old_value: String(2000 - i), new_value: String(1000 - i) };
}

export function fakeDeps(over: Partial<HttpDeps> = {}): FakeDeps {
  const deps: FakeDeps = {
    calls: { probe: [], changes: [], reloads: 0 },
    ready: true,
    reloadOutcome: { ok: true },
    probeOutcome: async () => ({ status: 'invalid', message: 'no probe scripted' }),
    states: GOLDEN_STATES,
    registry: createExporterRegistry({
      targets: () => deps.states,
      targetConfig: () => ({}),
      backoffs: () => new Map(),
      status: () => GOLDEN_STATUS,
    }),
    logger: false,
    probeOnDemand: (target) => {
      deps.calls.probe.push(target);
      return deps.probeOutcome(target);
    },
    reload: async () => {
      deps.calls.reloads++;
      return deps.reloadOutcome;
    },
    isReady: () => deps.ready,
    targets: () => deps.states,
    changes: (target, limit) => {
      deps.calls.changes.push([target, limit]);
      return Array.from({ length: 3000 }, (_, i) => change(target, i)).slice(0, limit);
    },
    status: {
      expectations: () => undefined,
      backoffSeconds: () => 0,
      recentChanges: (limit) => deps.states.flatMap((s) => Array.from({ length: 3 }, (_, i) => change(s.target, i))).sort((a, b) => b.at - a.at).slice(0, limit),
      transcripts: () => [],
      now: () => T0 + 60,
    },
    ...over,
  };
  return deps;
}
