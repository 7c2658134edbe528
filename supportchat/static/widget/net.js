/** HTTP for the widget: fetch() with a deadline, JSON in and out, errors as ChatError. */
import {ChatError, errorFromBody} from "./errors.js";
import {t} from "./strings.js";

const SEND_TIMEOUT_MS = 15000;

/**
 * @param {string} url
 * @param {{method?: string, headers?: Object<string, string>, body?: object|FormData,
 *   timeoutMs?: number, signal?: AbortSignal}} [init]
 * @returns {Promise<any>} the parsed JSON body of a successful answer
 */
export async function request(url, init) {
  const {method = "GET", headers = {}, body, timeoutMs = SEND_TIMEOUT_MS, signal} = init || {};
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const cancel = () => controller.abort();
  if (signal) signal.addEventListener("abort", cancel);
  const form = typeof FormData !== "undefined" && body instanceof FormData;
  try {
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: body && !form ? Object.assign({"Content-Type": "application/json"}, headers)
          : headers,
        body: body === undefined ? undefined : form ? body : JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (_error) {
      if (signal && signal.aborted) throw new ChatError("aborted", t("cancelled"));
      if (controller.signal.aborted) {
        throw new ChatError("timeout", t("noAnswer"));
      }
      throw new ChatError("network", t("unreachable"));
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_error) {
      data = null; // not JSON: judged by the status below
    }
    if (response.ok && data) return data;
    if (data && data.error) throw errorFromBody(data.error, response.headers.get("Retry-After"));
    throw new ChatError(response.status >= 500 ? "unavailable" : "invalid",
      `The support server answered with HTTP ${response.status}; please try again later.`,
      {status: response.status});
  } finally {
    clearTimeout(timer);
    if (signal) signal.removeEventListener("abort", cancel);
  }
}

/**
 * @param {string} url @param {Object<string, string|number>} params
 * @param {string} [base] what a relative `url` is relative to
 */
export function withQuery(url, params, base = globalThis.location && location.href) {
  const target = new URL(url, base);
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, String(value));
  return target.toString();
}

/**
 * Authorization, custom headers and the client id, for every HTTP request.
 * @param {{headers?: Object<string, string>, authToken?: string|null}} options
 * @param {string} clientId
 * @returns {Object<string, string>}
 */
export function httpHeaders(options, clientId) {
  const headers = Object.assign({}, options.headers, {"X-Client-Id": clientId});
  if (options.authToken) headers.Authorization = `Bearer ${options.authToken}`;
  return headers;
}
