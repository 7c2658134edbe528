/**
 * The agent's own preferences (PROTOCOL.md §3.7 `/api/admin/preferences`), the toggles under
 * "Alerts" in the inbox head. They live on the server, so they follow the agent to every
 * browser; the last answer is also kept in this browser's localStorage, so the page starts
 * with the agent's choices even while the server cannot be reached. A change that could not
 * be saved stays in effect on this page and says so, with a Retry; it is sent again by itself
 * when the connection comes back.
 */
import {cookie, me, socket} from "./context.js";

const ROUTE = "/api/admin/preferences";
const TIMEOUT_MS = 10000; // a request never leaves "Saving…" on screen longer than this
const CACHE = `supportchat.preferences.${me.id}`;
const DEFAULTS = {sound: true, desktop: false, emailWhenOffline: false};

/** @typedef {{sound: boolean, desktop: boolean, emailWhenOffline: boolean}} Preferences */

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @type {Object<string, HTMLInputElement>} the toggle of each preference */
const boxes = {
  sound: /** @type {HTMLInputElement} */ ($("pref-sound")),
  desktop: /** @type {HTMLInputElement} */ ($("pref-desktop")),
  emailWhenOffline: /** @type {HTMLInputElement} */ ($("pref-email")),
};
const status = $("prefs-status");
const error = $("prefs-error");
const retry = $("prefs-retry");
const panel = /** @type {HTMLDetailsElement} */ ($("alert-prefs"));

/** @type {Preferences} the agent's choices as this page applies them */
export const prefs = {...DEFAULTS, ...cached()};
/** Preferences changed on this page that the server has not stored yet. */
const unsaved = new Set();
let busy = false;
let failed = false;

function cached() {
  try {
    return JSON.parse(localStorage.getItem(CACHE) || "{}");
  } catch (_error) {
    return {};
  }
}

/** Take the server's answer, except where this page holds a change it has not stored yet. */
function adopt(answer) {
  for (const key of Object.keys(DEFAULTS)) {
    if (!unsaved.has(key) && typeof answer[key] === "boolean") prefs[key] = answer[key];
  }
  localStorage.setItem(CACHE, JSON.stringify(answer));
  render();
}

function render() {
  for (const [key, box] of Object.entries(boxes)) box.checked = prefs[key];
}

/** What the status line says once nothing is pending. */
function settled(text) {
  const blocked = prefs.desktop && "Notification" in window && Notification.permission === "denied";
  status.textContent = blocked
    ? "This browser blocks notifications from this site; allow them in its site settings." : text;
}

/** One request to the route; resolves with the answer, rejects with a sentence to show. */
async function call(method, body) {
  let response;
  try {
    response = await fetch(ROUTE, {
      method, credentials: "same-origin", signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {Accept: "application/json", "Content-Type": "application/json",
        "X-CSRF-TOKEN": cookie("csrf_access_token")},
      body: body && JSON.stringify(body),
    });
  } catch (failure) {
    throw new Error(failure && failure.name === "TimeoutError"
      ? "the server did not answer in time" : "the server is not reachable");
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error((answer.error && answer.error.message) || `the server answered ${response.status}`);
  }
  return answer;
}

/** Send the changes the server has not stored yet, else load what it stores. */
async function sync() {
  if (busy) return; // the running sync picks up changes made meanwhile
  busy = true;
  failed = false;
  error.hidden = retry.hidden = true;
  let saved = false;
  try {
    for (let loaded = false; unsaved.size || !loaded; loaded = true) {
      if (!unsaved.size) {
        adopt(await call("GET"));
        continue;
      }
      status.textContent = "Saving…";
      const sent = Object.fromEntries([...unsaved].map((key) => [key, prefs[key]]));
      const answer = await call("PUT", sent);
      for (const [key, value] of Object.entries(sent)) if (prefs[key] === value) unsaved.delete(key);
      adopt(answer);
      saved = true;
    }
    settled(saved ? "Saved" : "");
  } catch (failure) {
    failed = true;
    status.textContent = "";
    error.textContent = unsaved.size
      ? `Not saved: ${failure.message}. This page uses your choice until you reload it.`
      : `Could not load your alert settings: ${failure.message}.`;
    error.hidden = retry.hidden = false;
  } finally {
    busy = false;
  }
}

for (const [key, box] of Object.entries(boxes)) {
  box.addEventListener("change", () => {
    prefs[key] = box.checked;
    unsaved.add(key);
    if (key === "desktop" && box.checked && "Notification" in window
        && Notification.permission === "default") {
      Notification.requestPermission().then(() => busy || failed || settled(status.textContent));
    }
    sync();
  });
}
retry.addEventListener("click", () => sync());
socket.on("connect", () => {
  if (failed) sync();
});
panel.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !panel.open) return;
  panel.open = false;
  panel.querySelector("summary").focus();
});

render();
sync();
