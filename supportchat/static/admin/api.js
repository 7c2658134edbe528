/**
 * What the admin pages share: calling the JSON API with the token cookie (changes carry the
 * X-CSRF-TOKEN double submit), renewing an expired session once, and showing an error next to
 * the field it names (`details.field`).
 */

/** @param {string} name */
export function cookie(name) {
  const match = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : "";
}

/**
 * @typedef {{code: string, message: string, details?: Object<string, any>}} ApiError
 * @typedef {{ok: boolean, status: number, data: any, error: (ApiError|null), missing: boolean}} Answer
 * `missing`: the route exists, but not with this method (Allow says which it takes).
 */

/**
 * @param {string} method
 * @param {string} path
 * @param {any} [body]
 * @returns {Promise<Answer>}
 */
export async function api(method, path, body) {
  let answer = await send(method, path, body);
  if (answer.status === 401 && (await renew())) answer = await send(method, path, body);
  return answer;
}

async function send(method, path, body) {
  const headers = {Accept: "application/json"};
  if (method !== "GET") headers["X-CSRF-TOKEN"] = cookie("csrf_access_token");
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (_error) {
    return {ok: false, status: 0, data: null, missing: false,
      error: {code: "offline", message: "The server cannot be reached; check the connection and try again."}};
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return {ok: true, status: response.status, data, error: null, missing: false};
  const allow = response.headers.get("Allow");
  const missing = Boolean(allow && !allow.split(/,\s*/).includes(method));
  const error = data && data.error ? data.error : {
    code: response.status === 404 ? "not_found" : "internal",
    message: response.status === 404
      ? "This server does not offer that yet."
      : `The server answered ${response.status}.`,
  };
  return {ok: false, status: response.status, data, error, missing};
}

async function renew() {
  try {
    const response = await fetch("/api/admin/auth/refresh", {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRF-TOKEN": cookie("csrf_refresh_token"), Accept: "application/json"},
    });
    return response.ok;
  } catch (_error) {
    return false;
  }
}

/**
 * Show `error` next to the field of `form` whose `data-field` is the longest prefix of
 * `details.field`, with a pointer to it in `general` (an element with role=alert); in
 * `general` itself when no field matches.
 * @param {HTMLElement} form
 * @param {HTMLElement} general
 * @param {ApiError|null} error
 */
export function showError(form, general, error) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const old of form.querySelectorAll("[aria-invalid]")) old.removeAttribute("aria-invalid");
  const field = error && error.details && error.details.field;
  let best = null;
  for (const element of field ? form.querySelectorAll("[data-field]") : []) {
    const name = element.getAttribute("data-field");
    if ((field === name || field.startsWith(`${name}.`)) && (!best || name.length > best.getAttribute("data-field").length)) {
      best = element;
    }
  }
  // The reason is said once: beside its field when there is one, here otherwise.
  general.textContent = !error ? "" : best ? "Not saved: see the marked field." : error.message;
  general.hidden = !error;
  if (!best) return;
  const note = document.createElement("p");
  note.className = "error field-error";
  note.id = `error-${best.getAttribute("data-field").replace(/[^a-zA-Z0-9]/g, "-")}`;
  note.textContent = error.message;
  best.setAttribute("aria-invalid", "true");
  best.setAttribute("aria-describedby", note.id);
  best.insertAdjacentElement("afterend", note);
  best.focus();
}

/** @param {string|null} iso */
export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}
