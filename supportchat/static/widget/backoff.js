/** Timing: waiting between attempts, and the heartbeat that notices a dead connection. */

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

/**
 * Every `ms`, `ping()` (a promise, or null when there is nothing to ask): one that fails or is
 * not answered within `ms` calls `dead()`. A connection can die without a word (a proxy or a
 * sleeping laptop drops it); only an unanswered question tells. @returns {() => void} stop
 */
export function heartbeat(ms, ping, dead) {
  let timer = null;
  let on = ms > 0;
  const beat = () => {
    timer = setTimeout(async () => {
      const asked = ping();
      const answered = asked && await Promise.race([asked.then(() => true, () => false),
        sleep(ms).then(() => false)]);
      if (on && asked && !answered) dead();
      if (on) beat();
    }, ms);
  };
  if (on) beat();
  return () => {
    on = false;
    clearTimeout(timer);
  };
}
