// Every error the HTTP surface answers with: a stable code (tests, clients and logs match on it),
// an HTTP status, and a sentence for a person. /api/* answers JSON, everything else plain text
// with the code in the `x-error-code` header.
import type { FastifyReply, FastifyRequest } from 'fastify';

export type HttpErrorCode =
  | 'ERR_BAD_REQUEST'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_TARGET_INVALID'
  | 'ERR_TARGET_FORBIDDEN'
  | 'ERR_TARGET_UNKNOWN'
  | 'ERR_NOT_FOUND'
  | 'ERR_METHOD_NOT_ALLOWED'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_RATE_LIMITED'
  | 'ERR_TOO_MANY_SCRAPES'
  | 'ERR_TOO_MANY_REQUESTS'
  | 'ERR_NOT_READY'
  | 'ERR_RELOAD_FAILED'
  | 'ERR_PROBE_FAILED'
  | 'ERR_INTERNAL';

export const HTTP_STATUS: Readonly<Record<HttpErrorCode, number>> = {
  ERR_BAD_REQUEST: 400,
  ERR_UNAUTHORIZED: 401,
  ERR_TARGET_INVALID: 400,
  ERR_TARGET_FORBIDDEN: 403,
  ERR_TARGET_UNKNOWN: 404,
  ERR_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_BODY_TOO_LARGE: 413,
  ERR_RATE_LIMITED: 429,
  ERR_TOO_MANY_SCRAPES: 503,
  ERR_TOO_MANY_REQUESTS: 503,
  ERR_NOT_READY: 503,
  ERR_RELOAD_FAILED: 500,
  ERR_PROBE_FAILED: 500,
  ERR_INTERNAL: 500,
};

export class HttpError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: HttpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = HTTP_STATUS[code];
  }
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: HttpError): FastifyReply {
  reply.code(err.statusCode).header('x-error-code', err.code);
  if (request.url.startsWith('/api/')) {
    return reply.type('application/json; charset=utf-8').send({ error: { code: err.code, message: err.message } });
  }
  return reply.type('text/plain; charset=utf-8').send(`${err.message}\n`);
}

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Turns a schema failure into a sentence naming the parameter, e.g. `unknown query parameter "x"`. */
export function validationMessage(errors: readonly AjvError[], context: string, allowed: readonly string[]): string {
  const e = errors[0];
  if (e === undefined) return `invalid ${context}`;
  const name = e.instancePath.replace(/^\//, '');
  const where = context === 'querystring' ? 'query parameter' : 'path parameter';
  switch (e.keyword) {
    case 'required':
      return `missing ${where} "${String(e.params.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown ${where} "${String(e.params.additionalProperty)}" (${allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'this endpoint takes none'})`;
    case 'type':
      if (e.params.type === 'boolean') return `${where} "${name}" must be true or false`;
      if (e.params.type === 'string') return `${where} "${name}" must be given once`;
      return `${where} "${name}" must be ${e.params.type === 'integer' ? 'an integer' : `a ${String(e.params.type)}`}`;
    case 'minLength':
      return `${where} "${name}" must not be empty`;
    case 'maxLength':
      return `${where} "${name}" must be at most ${String(e.params.limit)} characters`;
    case 'pattern':
      return `${where} "${name}" must not contain spaces or control characters`;
    default:
      return `${where} "${name}" ${e.message ?? 'is invalid'}`;
  }
}
