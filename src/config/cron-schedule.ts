// Cron expressions are checked with node-cron itself, the same parser the scheduler uses, so a
// schedule that loads is one that runs.
import { validate, validateDetailed } from 'node-cron';

/** null when node-cron accepts `expression`; otherwise a sentence saying what is wrong. */
export function cronProblem(expression: string): string | null {
  if (validate(expression)) return null;
  const first = validateDetailed(expression).errors[0];
  const prefix = `invalid cron expression "${expression}"`;
  if (first === undefined) return prefix;
  if (first.field === 'expression') return `${prefix}: ${first.message} (seconds minutes hours day-of-month month day-of-week; seconds optional)`;
  return `${prefix}: bad ${first.field} field "${first.value ?? ''}"`;
}
