// Errors the protocol layer raises internally, each with a stable code that tests and callers match on.
// A probe never lets these escape: it turns them into a ProbeFailure (stage + reason).
import type { FailureReason } from './types.js';

export type SmtpErrorCode =
  | 'ERR_LINE_TOO_LONG'
  | 'ERR_REPLY_TOO_MANY_LINES'
  | 'ERR_REPLY_TOO_LARGE'
  | 'ERR_MALFORMED_REPLY'
  | 'ERR_REPLY_CODE_CHANGED'
  | 'ERR_UNEXPECTED_DATA';

export class SmtpProtocolError extends Error {
  readonly code: SmtpErrorCode;
  readonly reason: FailureReason = 'protocol_error';
  constructor(code: SmtpErrorCode, message: string) {
    super(message);
    this.name = 'SmtpProtocolError';
    this.code = code;
  }
}
