// The failure vocabulary: every detail code belongs to exactly one reason, every reason the README
// lists is reachable from some detail, and a failure is built from its detail alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAILURE_DETAILS, probeFailure, reasonOf } from '../../src/smtp/failure.js';
import { classifySocketError, replyFailure } from '../../src/smtp/session-error.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('failure vocabulary', () => {
  it('reaches every documented reason from at least one detail code', () => {
    const documented = /^Reasons: (.*?)\.$/ms.exec(README)?.[1];
    expect(documented).toBeDefined();
    const reasons = [...documented!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
    const reached = new Set(FAILURE_DETAILS.map(reasonOf));
    for (const reason of reasons) expect(reached, reason).toContain(reason);
  });

  it('documents every detail code in the README', () => {
    for (const detail of FAILURE_DETAILS) expect(README, detail).toContain(`\`${detail}\``);
  });

  it('builds a failure from its detail: the reason follows, the message names the stage', () => {
    expect(probeFailure('ehlo', 'ERR_LINE_TOO_LONG', 'reply line exceeds 4096 bytes')).toEqual({
      stage: 'ehlo',
      reason: 'protocol_error',
      detail: 'ERR_LINE_TOO_LONG',
      code: null,
      message: 'ehlo: reply line exceeds 4096 bytes',
    });
  });

  it.each([
    [421, 'service_unavailable', 'ERR_SERVICE_UNAVAILABLE'],
    [450, 'rejected', 'ERR_REPLY_REJECTED'],
    [554, 'rejected', 'ERR_REPLY_REJECTED'],
  ] as const)('a %i reply is %s (%s), with its reply code', (code, reason, detail) => {
    expect(replyFailure('greeting', { code, lines: ['x'] }).failure).toMatchObject({ stage: 'greeting', reason, detail, code });
  });

  it.each([
    [{ code: 'ECONNREFUSED' }, 'ERR_CONNECTION_REFUSED', 'refused'],
    [{ code: 'ECONNRESET' }, 'ERR_CONNECTION_RESET', 'reset'],
    [{ code: 'EPIPE' }, 'ERR_CONNECTION_RESET', 'reset'],
    [{ code: 'ETIMEDOUT' }, 'ERR_SOCKET_TIMEOUT', 'timeout'],
    [{ code: 'ENOTFOUND', syscall: 'getaddrinfo' }, 'ERR_DNS', 'dns'],
    [{ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, 'ERR_TLS_RECORD', 'tls_error'],
    [{ code: 'EHOSTUNREACH' }, 'ERR_NETWORK', 'network_error'],
  ] as const)('socket error %j → %s (%s)', (fields, detail, reason) => {
    const link = classifySocketError(Object.assign(new Error('boom'), fields));
    expect(link.detail).toBe(detail);
    expect(reasonOf(link.detail)).toBe(reason);
  });
});
