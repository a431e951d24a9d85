/**
 * The one error type of the bus seam. Every implementation throws these same codes, and the
 * contract suite checks them, so callers can branch on `code` whichever bus is configured.
 */
export type BusErrorCode =
  /** the bus was closed: publish, subscribe or a waiting publish after `close()` */
  | 'closed'
  /** a message without the fields its key and identity need */
  | 'invalid-message'
  /** an unknown option name or an out-of-range value (never silently defaulted) */
  | 'invalid-options'
  /** an empty group name or a handler that is not a function */
  | 'invalid-argument'
  /** `deleteGroup` on a group that still has members */
  | 'group-not-empty';

export class BusError extends Error {
  override readonly name = 'BusError';
  constructor(
    readonly code: BusErrorCode,
    message: string,
  ) {
    super(message);
  }
}
