// Token buckets, one per key and one for all keys together: the rate limits of on-demand probes
// (probes per target, a minute's allowance) and of the status pages (milliseconds of main-thread
// rendering per client). A bucket refills continuously up to its capacity. take() spends a cost
// known beforehand; refusal() then charge() spend one known only afterwards (a page's rendering
// time), which may leave the buckets in debt for the next requests to wait out.

/** A bucket's size and how fast it fills again. */
export interface BucketRate {
  /** What may be spent at once, after a pause. */
  capacity: number;
  /** What is earned back per second. */
  refillPerSecond: number;
}

export interface BucketRates {
  /** Each key's bucket. */
  perKey: BucketRate;
  /** The bucket all keys draw on together. */
  total: BucketRate;
}

export interface TokenBucketsOptions extends BucketRates {
  /** Milliseconds; injected so tests need no real waiting. */
  now: () => number;
  /** Most keys remembered at once (default 10,000). */
  maxKeys?: number;
}

/** Why a cost cannot be spent now: the bucket that lacks it, and how long until it holds it. */
export interface Refusal {
  by: 'key' | 'total';
  /** Infinity when that bucket never refills. */
  waitSeconds: number;
}

interface Bucket {
  level: number;
  at: number;
}

function refill(b: Bucket, rate: BucketRate, now: number): void {
  // A clock that steps back must not drain the bucket or mint tokens.
  const elapsed = Math.max(0, now - b.at);
  b.level = Math.min(rate.capacity, b.level + (elapsed * rate.refillPerSecond) / 1000);
  b.at = Math.max(b.at, now);
}

function secondsUntil(b: Bucket, rate: BucketRate, cost: number): number {
  if (b.level >= cost) return 0;
  return rate.refillPerSecond > 0 ? (cost - b.level) / rate.refillPerSecond : Infinity;
}

function checkRates(rates: BucketRates): void {
  for (const [name, rate] of [['perKey', rates.perKey], ['total', rates.total]] as const) {
    for (const [field, v] of Object.entries(rate)) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name}.${field} must be a finite number >= 0, got ${v}`);
    }
  }
}

export class TokenBuckets {
  private rates: BucketRates;
  private readonly now: () => number;
  private readonly maxKeys: number;
  private readonly totalBucket: Bucket;
  /** Map order is least recently charged first: a charge moves its key to the end. */
  private readonly keys = new Map<string, Bucket>();

  constructor(opts: TokenBucketsOptions) {
    checkRates(opts);
    const maxKeys = opts.maxKeys ?? 10_000;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys must be an integer >= 1, got ${maxKeys}`);
    this.rates = { perKey: opts.perKey, total: opts.total };
    this.now = opts.now;
    this.maxKeys = maxKeys;
    this.totalBucket = { level: opts.total.capacity, at: opts.now() };
  }

  /**
   * New rates (a reload). What was spent stays spent: a reload must not refill the buckets, or
   * alternating reload and probe would bypass the limits. A smaller capacity caps what is left.
   */
  setRates(rates: BucketRates): void {
    checkRates(rates);
    refill(this.totalBucket, this.rates.total, this.now());
    this.rates = { perKey: rates.perKey, total: rates.total };
    this.totalBucket.level = Math.min(this.totalBucket.level, rates.total.capacity);
    for (const bucket of this.keys.values()) bucket.level = Math.min(bucket.level, rates.perKey.capacity);
  }

  /**
   * Null when both the key's bucket and the total hold `cost` now, else the one that waits longer.
   * Remembers nothing: a refused request never creates a key, so new keys are bounded by the total.
   */
  refusal(key: string, cost: number): Refusal | null {
    const now = this.now();
    refill(this.totalBucket, this.rates.total, now);
    const held = this.keys.get(key);
    if (held !== undefined) refill(held, this.rates.perKey, now);
    const mine = secondsUntil(held ?? { level: this.rates.perKey.capacity, at: now }, this.rates.perKey, cost);
    const all = secondsUntil(this.totalBucket, this.rates.total, cost);
    if (mine === 0 && all === 0) return null;
    return mine >= all ? { by: 'key', waitSeconds: mine } : { by: 'total', waitSeconds: all };
  }

  /** Spends `cost` from the key's bucket and the total, into debt if they hold less. */
  charge(key: string, cost: number): void {
    const now = this.now();
    refill(this.totalBucket, this.rates.total, now);
    let bucket = this.keys.get(key);
    if (bucket === undefined) {
      bucket = { level: this.rates.perKey.capacity, at: now };
    } else {
      this.keys.delete(key);
      refill(bucket, this.rates.perKey, now);
    }
    this.keys.set(key, bucket);
    // The least recently charged key has usually been idle long enough to be full again.
    if (this.keys.size > this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
    bucket.level -= cost;
    this.totalBucket.level -= cost;
  }

  /** Spends `cost` if both buckets hold it (null), else spends nothing and says why (refusal()). */
  take(key: string, cost = 1): Refusal | null {
    const refusal = this.refusal(key, cost);
    if (refusal === null) this.charge(key, cost);
    return refusal;
  }

  /** Keys remembered now (bounded by maxKeys). */
  get size(): number {
    return this.keys.size;
  }
}
