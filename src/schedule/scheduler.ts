// One node-cron task per group starts a round; each round plans every target of the group at its
// stable offset within the period until the group's next round, and the dispatcher runs them.
import { createTask, type ScheduledTask } from 'node-cron';
import type { GroupConfig, TargetConfig, PolitenessSettings } from '../config/types.js';
import type { ProbeResult } from '../probe/probe-result.js';
import type { BackoffEntry } from './backoff.js';
import { ProbeDispatcher, type SkipReason } from './probe-dispatcher.js';
import { stableFraction } from './stable-offset.js';

export interface SchedulerCallbacks {
  run: (target: TargetConfig) => Promise<ProbeResult>;
  onResult: (target: TargetConfig, result: ProbeResult) => void;
  onError: (target: TargetConfig, error: unknown) => void;
}

/** What a round needs of a group: configured targets plus those discovery found. */
export type ScheduledGroup = Pick<GroupConfig, 'name' | 'schedule' | 'targets'>;

export interface SchedulerStats {
  probesTotal: Record<string, number>;
  roundsMissed: Record<string, number>;
  latenessSeconds: Record<string, number>;
}

function limitsOf(p: PolitenessSettings) {
  return {
    maxConcurrency: p.max_concurrency,
    minGapMs: p.min_gap_seconds * 1000,
    backoff: { initialMs: p.backoff_initial_seconds * 1000, maxMs: p.backoff_max_seconds * 1000 },
  };
}

export class Scheduler {
  private readonly dispatcher: ProbeDispatcher;
  private tasks: ScheduledTask[] = [];
  private readonly stats: SchedulerStats = { probesTotal: {}, roundsMissed: {}, latenessSeconds: {} };

  constructor(
    politeness: PolitenessSettings,
    private readonly callbacks: SchedulerCallbacks,
    private readonly now: () => number = Date.now,
  ) {
    this.dispatcher = new ProbeDispatcher({
      ...limitsOf(politeness),
      now,
      run: callbacks.run,
      onResult: (target, result, latenessMs) => {
        const g = target.group;
        this.stats.probesTotal[g] = (this.stats.probesTotal[g] ?? 0) + 1;
        this.stats.latenessSeconds[g] = latenessMs / 1000;
        callbacks.onResult(target, result);
      },
      onSkip: (target, reason: SkipReason) => {
        // A target backing off after 421 is being polite on purpose, not missing its round.
        if (reason === 'backoff') return;
        this.stats.roundsMissed[target.group] = (this.stats.roundsMissed[target.group] ?? 0) + 1;
      },
      onError: callbacks.onError,
    });
  }

  get probesInFlight(): number {
    return this.dispatcher.inFlight;
  }

  backoffSeconds(target: string): number {
    return this.dispatcher.backoffSeconds(target);
  }

  /** Seconds left of every 421 back-off under way, by target. */
  backoffsUnderWay(): Map<string, number> {
    return this.dispatcher.backoffsUnderWay();
  }

  /** The 421 back-off under way for `target` (to persist with its state), or null. */
  backoffEntry(target: string): BackoffEntry | null {
    return this.dispatcher.backoffEntry(target);
  }

  /** Resumes a back-off a previous run persisted, so a restart does not cut it short. */
  restoreBackoff(target: string, entry: BackoffEntry): void {
    this.dispatcher.restoreBackoff(target, entry);
  }

  /** A copy: the counters go on changing while a scrape reads them. */
  snapshotStats(): SchedulerStats {
    return {
      probesTotal: { ...this.stats.probesTotal },
      roundsMissed: { ...this.stats.roundsMissed },
      latenessSeconds: { ...this.stats.latenessSeconds },
    };
  }

  /** Replace the running schedule with these groups (start-up and every successful reload). */
  apply(groups: readonly ScheduledGroup[], politeness?: PolitenessSettings): void {
    this.stopTasks();
    if (politeness) this.dispatcher.setLimits(limitsOf(politeness));
    this.dispatcher.retain(new Set(groups.flatMap((g) => g.targets.map((t) => t.name))));
    for (const key of Object.keys(this.stats.latenessSeconds)) {
      if (!groups.some((g) => g.name === key)) delete this.stats.latenessSeconds[key];
    }
    for (const group of groups) {
      if (group.targets.length === 0) continue;
      // Counters start at 0 for every scheduled group: a series born at 1 hides its first
      // increment from rate() and increase(), so the first missed round would never show.
      this.stats.probesTotal[group.name] ??= 0;
      this.stats.roundsMissed[group.name] ??= 0;
      const task = createTask(group.schedule, () => this.startRound(group, task), {
        name: `ehlo-exporter:${group.name}`,
        suppressMissedWarning: true,
      });
      void task.start();
      this.tasks.push(task);
    }
  }

  /** Stop starting rounds and probes; wait for in-flight probes at most `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopTasks();
    await this.dispatcher.stop(graceMs);
  }

  private startRound(group: ScheduledGroup, task: ScheduledTask): void {
    const start = this.now();
    const next = task.getNextRun();
    const periodMs = next ? Math.max(0, next.getTime() - start) : 0;
    this.dispatcher.plan(
      group.targets.map((target) => ({ target, dueAt: start + stableFraction(target.name) * periodMs })),
    );
  }

  private stopTasks(): void {
    for (const task of this.tasks) void task.destroy();
    this.tasks = [];
  }
}
