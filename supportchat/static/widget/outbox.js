/**
 * The customer's unsent messages, oldest first: sent one at a time (the server numbers them as
 * typed), retried with the same clientMsgId (no duplicates), kept across reloads. The one
 * retry policy: every attempt (a plugin's retry too) counts against MAX_ATTEMPTS and waits its
 * backoff; then the message waits for the customer's Retry (or the connection coming back).
 */
import {uuid4} from "../shared/helpers.js";
import {backoff, sleep} from "./backoff.js";
import {asChatError} from "./errors.js";
import {clone} from "./plugins.js";
import {t} from "./strings.js";

export const MAX_ATTEMPTS = 5;


/**
 * @typedef {{clientMsgId: string, text: string, attachments: object[], createdAt: string,
 *   state: ("pending"|"failed"), attempts: number, retryable?: boolean,
 *   error?: (string|null)}} Entry
 */

export class Outbox {
  /** @param {unknown} [stored] what toStored() returned before a reload */
  constructor(stored) {
    /** @type {Entry[]} */
    this.entries = (Array.isArray(stored) ? stored : []).filter((entry) => entry && entry.clientMsgId)
      .map((entry) => Object.assign(entry, {state: "failed", retryable: true, error: t("notConnected")}));
  }

  /** @param {string} text @param {object[]} attachments @returns {Entry} */
  add(text, attachments) {
    /** @type {Entry} */
    const entry = {clientMsgId: uuid4(), text, attachments, createdAt: new Date().toISOString(),
      state: "pending", attempts: 0};
    this.entries.push(entry);
    return entry;
  }

  /** The entry to send now, or null: a failure waiting for its retry holds back later ones. */
  next() {
    const entry = this.entries.find((item) => item.state === "pending" || item.retryable);
    return entry && entry.state === "pending" ? entry : null;
  }

  /** @param {Entry} entry @returns {boolean} whether it was still here */
  remove(entry) {
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.splice(index, 1);
    return index >= 0;
  }

  /** A stored message of the customer's arrived: its entry is done. @param {string|null} clientMsgId */
  confirm(clientMsgId) {
    const index = this.entries.findIndex((entry) => entry.clientMsgId === clientMsgId);
    if (clientMsgId && index >= 0) this.entries.splice(index, 1);
  }

  /**
   * Sending `entry` failed: mark it, and say when to try again by itself.
   * @param {Entry} entry @param {import("./errors.js").ChatError} error
   * @param {{backoffBaseMs: number, backoffMaxMs: number}} timing
   * @returns {number|null} milliseconds until the automatic retry, null for none
   */
  fail(entry, error, timing) {
    const more = error.retryable && entry.attempts < MAX_ATTEMPTS;
    Object.assign(entry, {state: "failed", retryable: error.retryable,
      error: !error.retryable || more ? error.message : t("gaveUp")});
    return more ? retryDelay(error, entry.attempts, timing) : null;
  }

  /** Put retryable failures (or just `only`, by hand) back in line. @param {Entry} [only] */
  requeue(only) {
    for (const entry of this.entries) {
      if (entry.state === "failed" && (only ? entry === only : entry.retryable)) {
        Object.assign(entry, {state: "pending", error: null});
        if (only) entry.attempts = 0;
      }
    }
  }

  /** The conversation closed: nothing here can be sent any more. */
  closeAll() {
    for (const entry of this.entries) {
      Object.assign(entry, {state: "failed", retryable: false, error: t("closedNotSent")});
    }
  }

  /** What survives a reload: entries that can still be sent. */
  toStored() {
    return this.entries.filter((entry) => entry.retryable !== false || entry.state === "pending")
      .map(({clientMsgId, text, attachments, createdAt}) => ({clientMsgId, text, attachments,
        createdAt, attempts: 0}));
  }
}

/** The wait before attempt `attempts` + 1: the server's Retry-After, else the backoff. */
function retryDelay(error, attempts, timing) {
  return error.details.retryAfterMs || backoff(timing, attempts);
}

/**
 * One message through the plugins and `send`: onBeforeSend may change, answer or abort it;
 * onSendError may ask for a retry (maybe a new payload) while `entry` has attempts left, after
 * its waitMs or the backoff, whichever is longer.
 * @param {import("./plugins.js").Plugins} plugins
 * @param {(payload: object) => Promise<object>} send
 * @param {{clientMsgId: string}} payload
 * @param {{attempts: number}} entry counts every attempt
 * @param {{backoffBaseMs: number, backoffMaxMs: number}} timing
 * @returns {Promise<{aborted: true}|{payload: object, response: object}|{error: import("./errors.js").ChatError}>}
 */
export async function sendThrough(plugins, send, payload, entry, timing) {
  const before = await plugins.beforeSend(payload);
  if (before.abort) return {aborted: true};
  let current = before.payload;
  for (;;) {
    entry.attempts += 1;
    try {
      const response = before.response || await send(current);
      plugins.notify("onAfterSend", current, response);
      return {payload: current, response};
    } catch (raw) {
      const error = asChatError(raw);
      const advice = entry.attempts < MAX_ATTEMPTS ? await plugins.sendError(error, current) : null;
      if (!advice) return {error};
      await sleep(Math.max(Number(advice.waitMs) || 0, retryDelay(error, entry.attempts, timing)));
      if (advice.payload) current = Object.assign(clone(advice.payload), {clientMsgId: payload.clientMsgId});
    }
  }
}
