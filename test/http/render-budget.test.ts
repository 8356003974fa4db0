// The status pages' rendering budget, on a clock the test moves: what a client may spend at once
// and over time, what all clients may spend together, and the wait it is told.
import { describe, expect, it } from 'vitest';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../src/http/errors.js';
import { clientKey, RenderBudget } from '../../src/http/render-budget.js';

let now = 0;
const budget = () =>
  new RenderBudget({ client: { capacity: 100, refillPerSecond: 10 }, total: { capacity: 250, refillPerSecond: 50 } }, () => now);

function request(client: string): { request: FastifyRequest; reply: FastifyReply; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => ((headers[name] = value), reply) } as unknown as FastifyReply;
  return { request: { socket: { remoteAddress: client } } as FastifyRequest, reply, headers };
}

/** Renders for `ms` as `client`; the refusal's error and Retry-After if refused. */
function render(b: RenderBudget, client: string, ms: number): { ok: true } | { ok: false; error: HttpError; retryAfter: string | undefined } {
  const { request: req, reply, headers } = request(client);
  try {
    b.run(req, reply, () => (now += ms));
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error as HttpError, retryAfter: headers['retry-after'] };
  }
}

describe('RenderBudget', () => {
  it('serves a client until it has overspent its burst, then tells it how long to wait', () => {
    now = 0;
    const b = budget();
    expect(render(b, 'a', 60)).toEqual({ ok: true });
    expect(render(b, 'a', 60)).toEqual({ ok: true }); // 40.6 - 60: 19.4 ms overdrawn
    const refused = render(b, 'a', 1);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('ERR_RATE_LIMITED');
    expect(refused.error.statusCode).toBe(429);
    expect(refused.error.message).toContain('from a');
    expect(refused.retryAfter).toBe('2'); // 19.4 ms overdrawn at 10 ms/s
    now += 1800;
    expect(render(b, 'a', 1).ok).toBe(false);
    now += 200;
    expect(render(b, 'a', 1)).toEqual({ ok: true });
  });

  it('keeps serving other clients while one is refused, until all of them together have spent the total', () => {
    now = 0;
    const b = budget();
    expect(render(b, 'a', 150).ok).toBe(true);
    expect(render(b, 'a', 1).ok).toBe(false);
    expect(render(b, 'b', 90).ok).toBe(true);
    expect(render(b, 'c', 30).ok).toBe(true); // total: 250 - 270 ms spent + 6 ms earned back after a's render = -14 ms
    const refused = render(b, 'd', 1);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.message).toContain('all clients');
    expect(refused.retryAfter).toBe('1');
    now += 1000; // total +50 ms, d's own bucket untouched
    expect(render(b, 'd', 1).ok).toBe(true);
  });

  it('charges a render that throws', () => {
    now = 0;
    const b = budget();
    const { request: req, reply } = request('a');
    expect(() =>
      b.run(req, reply, () => {
        now += 200;
        throw new HttpError('ERR_NOT_FOUND', 'no such page');
      }),
    ).toThrow('no such page');
    expect(render(b, 'a', 1).ok).toBe(false);
  });

  it('counts an IPv6 client by its /64, an IPv4-mapped one by its IPv4 address', () => {
    now = 0;
    const b = budget();
    expect(render(b, '2001:db8:1:2::1', 150).ok).toBe(true);
    expect(render(b, '2001:db8:1:2:ffff:ffff:ffff:fffe', 1).ok).toBe(false);
    expect(render(b, '2001:db8:1:3::1', 1).ok).toBe(true);
    expect(clientKey('2001:0db8:0001:0002:0000:0000:0000:0001')).toBe('2001:db8:1:2::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('1::2:3:4:5:1.2.3.4')).toBe('1:0:2:3::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
  });
});
