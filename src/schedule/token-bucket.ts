// Rate limits for on-demand probes: a bucket per key (target) and one for all keys together.
// Each bucket holds up to a minute's allowance and refills continuously.

export interface TokenBucketOptions {
  perKeyPerMinute: number;
  totalPerMinute: number;
  /** Milliseconds; injected so tests need no real waiting. */
  now: () => number;
  /** Most keys remembered at once (default 10,000). */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MINUTE_MS = 60_000;

function refill(b: Bucket, perMinute: number, now: number): void {
  // A clock that steps back must not drain the bucket or mint tokens.
  const elapsed = Math.max(0, now - b.at);
  b.tokens = Math.min(perMinute, b.tokens + (elapsed * perMinute) / MINUTE_MS);
  b.at = Math.max(b.at, now);
}

function checkRates(opts: Pick<TokenBucketOptions, 'perKeyPerMinute' | 'totalPerMinute'>): void {
  for (const [name, v] of [['perKeyPerMinute', opts.perKeyPerMinute], ['totalPerMinute', opts.totalPerMinute]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${v}`);
  }
}

export class TokenBuckets {
  private perKey: number;
  private total: number;
  private readonly now: () => number;
  private readonly maxKeys: number;
  private readonly totalBucket: Bucket;
  /** Map order is least recently used first: a take moves its key to the end. */
  private readonly keys = new Map<string, Bucket>();

  constructor(opts: TokenBucketOptions) {
    checkRates(opts);
    const maxKeys = opts.maxKeys ?? 10_000;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys must be an integer >= 1, got ${maxKeys}`);
    this.perKey = opts.perKeyPerMinute;
    this.total = opts.totalPerMinute;
    this.now = opts.now;
    this.maxKeys = maxKeys;
    this.totalBucket = { tokens: this.total, at: opts.now() };
  }

  /**
   * New rates (a reload). The tokens already taken stay taken: a reload must not refill the buckets,
   * or alternating reload and probe would bypass the limits. A lower rate caps what is left.
   */
  setLimits(opts: Pick<TokenBucketOptions, 'perKeyPerMinute' | 'totalPerMinute'>): void {
    checkRates(opts);
    const now = this.now();
    refill(this.totalBucket, this.total, now);
    this.perKey = opts.perKeyPerMinute;
    this.total = opts.totalPerMinute;
    this.totalBucket.tokens = Math.min(this.totalBucket.tokens, this.total);
    for (const bucket of this.keys.values()) bucket.tokens = Math.min(bucket.tokens, this.perKey);
  }

  /** Takes one token from the key's bucket and the total bucket, or none when either is empty. */
  take(key: string): boolean {
    const now = this.now();
    refill(this.totalBucket, this.total, now);
    // Checked first, so a refused request never creates a key: new keys per minute are bounded by
    // totalPerMinute, and the key evicted below has usually been idle long enough to be full again.
    if (this.totalBucket.tokens < 1) return false;

    let bucket = this.keys.get(key);
    if (bucket === undefined) {
      if (this.keys.size >= this.maxKeys) {
        const oldest = this.keys.keys().next().value as string;
        this.keys.delete(oldest);
      }
      bucket = { tokens: this.perKey, at: now };
    } else {
      this.keys.delete(key);
      refill(bucket, this.perKey, now);
    }
    this.keys.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    this.totalBucket.tokens -= 1;
    return true;
  }

  /** Keys remembered now (bounded by maxKeys). */
  get size(): number {
    return this.keys.size;
  }
}
