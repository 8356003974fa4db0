// Errors in what a caller asked to probe (not in the target's behaviour), with stable codes.
export type ProbeInputErrorCode =
  | 'ERR_TARGET_EMPTY'
  | 'ERR_TARGET_HOST'
  | 'ERR_TARGET_PORT'
  | 'ERR_TARGET_IPV6_BRACKETS'
  | 'ERR_PROBE_OPTIONS';

export class ProbeInputError extends Error {
  readonly code: ProbeInputErrorCode;
  constructor(code: ProbeInputErrorCode, message: string) {
    super(message);
    this.name = 'ProbeInputError';
    this.code = code;
  }
}
