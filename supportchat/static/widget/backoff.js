/** Waiting between attempts. */

/**
 * Exponential backoff with jitter: attempt 1 waits about `backoffBaseMs`, never more than
 * `backoffMaxMs`; the jitter keeps many browsers from coming back at the same moment.
 * @param {{backoffBaseMs: number, backoffMaxMs: number}} options
 * @param {number} attempt 1 for the first retry
 * @param {() => number} [random] a number in [0, 1)
 * @returns {number} milliseconds
 */
export function backoff(options, attempt, random = Math.random) {
  const exact = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** (attempt - 1));
  return Math.round(exact * (0.5 + random() / 2));
}

/** @param {number} ms @returns {Promise<void>} */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
