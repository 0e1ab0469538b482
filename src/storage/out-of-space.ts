/** A full disk, told apart from other storage failures: it is retried until space comes back, never blamed on the input. */

/** The failure type an activity reports a full disk with (retryable; the album workflow waits on it). */
export const OUT_OF_SPACE_TYPE = 'INSUFFICIENT_STORAGE';

/** errno of a full disk or an exhausted quota, anywhere in the cause chain. */
export function isOutOfSpace(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && typeof e === 'object' && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return true;
  }
  return false;
}
