/** The widget's one error type: a PROTOCOL.md §1 code and a message a customer can act on. */
import {t} from "./strings.js";

/** Codes worth trying again: the same request may succeed later. */
export const RETRYABLE = new Set(["network", "timeout", "offline", "unavailable", "rate_limited",
  "internal"]);

export class ChatError extends Error {
  /** @param {string} code @param {string} message @param {Object<string, any>} [details] */
  constructor(code, message, details) {
    super(message);
    this.code = code;
    /** @type {Object<string, any>} */
    this.details = details || {};
    this.retryable = RETRYABLE.has(code);
  }
}

/**
 * The error from a server's `{code, message, details}` body; Retry-After fills retryAfterMs.
 * @param {{code?: string, message?: string, details?: object}|undefined|null} body
 * @param {string|null} [retryAfterSeconds] the Retry-After header, when there was one
 * @returns {ChatError}
 */
export function errorFromBody(body, retryAfterSeconds) {
  if (!body || !body.code) {
    return new ChatError("internal", "The support server sent an answer we could not read; "
      + "please try again.");
  }
  const details = Object.assign({}, body.details);
  if (details.retryAfterMs === undefined && retryAfterSeconds) {
    details.retryAfterMs = Number(retryAfterSeconds) * 1000;
  }
  return new ChatError(body.code, body.message || t("wentWrong"),
    details);
}

/** @param {unknown} error @returns {ChatError} */
export function asChatError(error) {
  if (error instanceof ChatError) return error;
  const message = error && typeof error === "object" && "message" in error
    ? String(error.message) : t("wentWrong");
  return new ChatError("internal", message);
}
