// Errors the reply framing raises while reading, each with its stable detail code. A probe never
// lets these escape: the connection turns them into a failure (see failure.ts).
import type { FailureDetail } from './failure.js';

export type SmtpErrorCode = Extract<
  FailureDetail,
  'ERR_LINE_TOO_LONG' | 'ERR_REPLY_TOO_MANY_LINES' | 'ERR_REPLY_TOO_LARGE' | 'ERR_MALFORMED_REPLY' | 'ERR_REPLY_CODE_CHANGED' | 'ERR_UNEXPECTED_DATA'
>;

export class SmtpProtocolError extends Error {
  readonly code: SmtpErrorCode;
  constructor(code: SmtpErrorCode, message: string) {
    super(message);
    this.name = 'SmtpProtocolError';
    this.code = code;
  }
}
