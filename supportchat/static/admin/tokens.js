/** The API tokens page: create a token (shown once) and revoke tokens through the JSON API,
 * with the sign-in cookie and its CSRF header. */

import {confirmFirst, h} from "../shared/helpers.js";

/** @param {string} name @returns {string} */
function cookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

/** @param {string} method @param {string} url @param {object} [body] */
async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRF-TOKEN": cookie("csrf_access_token"),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) {
    const answer = await response.json().catch(() => null);
    throw new Error(answer?.error?.message || `The server answered ${response.status}.`);
  }
  return response.status === 204 ? null : response.json();
}

const error = document.getElementById("token-error");

/** @param {string} message */
function showError(message) {
  error.textContent = message;
  error.hidden = !message;
}

document.getElementById("new-token").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.target);
  const data = new FormData(form);
  try {
    const answer = await call("POST", "/api/admin/tokens", {
      name: String(data.get("name")),
      role: String(data.get("role")),
      expiresInDays: Number(data.get("expiresInDays")),
    });
    showError("");
    document.getElementById("token-value").textContent = answer.token.token;
    document.getElementById("token-once").hidden = false;
    addRow(answer.token);
    form.reset();
  } catch (failure) {
    showError(failure.message);
  }
});

/** @param {HTMLElement} button */
function revoker(button) {
  button.addEventListener("click", () => confirmFirst(button, async () => {
    try {
      await call("DELETE", `/api/admin/tokens/${encodeURIComponent(button.dataset.revoke)}`);
      button.closest("tr").remove();
      showError("");
    } catch (failure) {
      showError(failure.message);
    }
  }));
}

/** "2026-11-22 10:00": a timestamp to the minute, as the server-drawn rows show it. @param {string} iso */
const minute = (iso) => iso.slice(0, 16).replace("T", " ");

/** A new token's row at the top of the list (text only: names are the admins' words). */
function addRow(token) {
  const button = h(
    "button",
    {type: "button", class: "danger", "data-revoke": token.id, "aria-label": `Revoke ${token.name}`},
    "Revoke",
  );
  revoker(button);
  const table = /** @type {HTMLElement} */ (document.querySelector("table.tokens"));
  const cells = [token.name, table.dataset.owner, token.role, h("code", null, `${token.prefix}…`),
    minute(token.createdAt), "never", minute(token.expiresAt), button];
  const body = table.querySelector("tbody");
  body.querySelector("tr:not([data-token])")?.remove(); // "No tokens yet."
  body.prepend(h("tr", {"data-token": token.id}, ...cells.map((cell) => h("td", null, cell))));
}

document.querySelectorAll("[data-revoke]").forEach(revoker);
