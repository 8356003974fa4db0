// The resolved config is shared by the scheduler, the probes and the HTTP layer at once; freezing
// it all the way down makes "a reload swaps the whole object" the only way it can change.
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
