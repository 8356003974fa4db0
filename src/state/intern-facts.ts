// One copy of each distinct fact across the fleet. 10,000 targets are often a few hundred kinds of
// server: a pool of 200 identical relays answers EHLO 200 times with the same keywords, SIZE, AUTH
// and LIMITS, and often presents one certificate. Each result is parsed into fresh objects; kept
// as they are, every target holds its own copy (~3.6 KB of live heap per STARTTLS target). Here a
// recorded result's facts are swapped for the pooled equal ones, so the fleet holds one copy of
// each and a target only its own shell. Facts are immutable once parsed (smtp/types.ts), so
// sharing them is safe. The pool holds its objects weakly: a fact no target holds any more is
// collected and its entry removed, so the pool is bounded by what the states hold.
import type { Baseline, TargetState } from './types.js';
import type { CertificateFacts, EhloFacts, ProbeResult, Reply, TlsFacts } from '../probe/probe-result.js';

class Pool {
  readonly #byKey = new Map<string, WeakRef<object>>();
  /** Pooled objects, and their identity numbers for the keys of objects made of them. */
  readonly #ids = new WeakMap<object, number>();
  #nextId = 0;
  readonly #forget = new FinalizationRegistry<string>((key) => {
    if (this.#byKey.get(key)?.deref() === undefined) this.#byKey.delete(key);
  });

  /** The pooled object for `key`, or `value` pooled under it; `key` must say everything `value` holds. */
  get<T extends object>(key: string, value: T): T {
    if (this.#ids.has(value)) return value;
    const held = this.#byKey.get(key)?.deref();
    if (held !== undefined) return held as T;
    this.#byKey.set(key, new WeakRef(value));
    this.#ids.set(value, this.#nextId++);
    this.#forget.register(value, key);
    return value;
  }

  has(value: object): boolean {
    return this.#ids.has(value);
  }

  /** A small key for a pooled object, for the keys of the objects that hold it. */
  id(value: object | null): string {
    return value === null ? '-' : String(this.#ids.get(value));
  }

  /** Plain JSON-like data keyed by its JSON: arrays of strings, small records. */
  json<T extends object>(value: T): T {
    return this.get(`j${JSON.stringify(value)}`, value);
  }
}

export class FactPool {
  readonly #pool = new Pool();

  ehlo(facts: EhloFacts | null): EhloFacts | null {
    const p = this.#pool;
    if (facts === null || p.has(facts)) return facts;
    const parts = {
      keywords: p.json(facts.keywords),
      extensions: p.json(facts.extensions),
      size: p.json(facts.size),
      auth_mechanisms: p.json(facts.auth_mechanisms),
      limits: p.json(facts.limits),
      malformed: p.json(facts.malformed),
    };
    const key = `e${JSON.stringify(facts.domain)},${Object.values(parts).map((v) => p.id(v)).join(',')}`;
    return p.get(key, { domain: facts.domain, ...parts });
  }

  tls(facts: TlsFacts | null): TlsFacts | null {
    const p = this.#pool;
    if (facts === null || p.has(facts)) return facts;
    // A certificate is its DER: one fingerprint, one set of parsed fields.
    const cert: CertificateFacts | null = facts.cert === null ? null : p.get(`c${facts.cert.fingerprint_sha256}`, facts.cert);
    // Every other field in the key, whatever TlsFacts gains (a DANE verdict left out made two
    // sessions with the same certificate but different TLSA records share one verdict).
    const { cert: _cert, ...rest } = facts;
    const key = `t${JSON.stringify(rest)}${p.id(cert)}`;
    return p.get(key, { ...facts, cert });
  }

  banner(reply: Reply | null): Reply | null {
    return reply === null ? null : this.#pool.json(reply);
  }

  /** A result with its facts (and its small fixed-shape records) pooled. */
  result(r: ProbeResult): ProbeResult {
    return {
      ...r,
      banner: this.banner(r.banner),
      ehlo_before_tls: this.ehlo(r.ehlo_before_tls),
      ehlo_after_tls: this.ehlo(r.ehlo_after_tls),
      starttls: this.#pool.json(r.starttls),
      tls: this.tls(r.tls),
      reply_codes: this.#pool.json(r.reply_codes),
      transcript: r.transcript.length === 0 ? this.#pool.json(r.transcript) : r.transcript,
    };
  }

  baseline(b: Baseline | null): Baseline | null {
    if (b === null) return null;
    const before_tls = this.ehlo(b.before_tls);
    const after_tls = this.ehlo(b.after_tls);
    // Unchanged, the baseline stays the same object from one probe to the next (see share-unchanged.ts).
    return before_tls === b.before_tls && after_tls === b.after_tls ? b : { ...b, before_tls, after_tls };
  }

  /** A state with its last result and baseline pooled: after each record, and as loaded from the store. */
  state(s: TargetState): TargetState {
    return { ...s, last_result: s.last_result === null ? null : this.result(s.last_result), baseline: this.baseline(s.baseline) };
  }
}
