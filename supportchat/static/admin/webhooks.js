// The admin page's webhooks: list, add, turn on/off, test, delete, read deliveries.
// Every value from the server is put in with textContent, never as HTML.

import {confirmFirst} from "../shared/helpers.js";

const root = document.getElementById("webhooks");
const csrf = root.dataset.csrf;
const rows = document.getElementById("webhook-rows");
// Errors show next to what was used: the list's buttons above the list, the form's in the form.
const listError = document.getElementById("webhooks-list-error");
const formError = document.getElementById("webhook-error");

export async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: {"X-CSRF-TOKEN": csrf, "Content-Type": "application/json", Accept: "application/json"},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = await response.json();
  if (!response.ok) throw new Error(data.error ? data.error.message : `HTTP ${response.status}`);
  return data;
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

/** A row's button; `ask`: it cannot be undone, so the first press asks (confirmFirst). */
function button(label, action, ask = false) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = label;
  element.addEventListener("click", () => (ask ? confirmFirst(element, () => run(action)) : run(action)));
  return element;
}

async function run(action, errorBox = listError) {
  errorBox.hidden = true;
  try {
    await action();
  } catch (error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
  }
}

async function load() {
  const {webhooks} = await call("GET", "/api/admin/webhooks");
  rows.replaceChildren(
    ...webhooks.map((hook) => {
      const tr = document.createElement("tr");
      tr.dataset.id = hook.id;
      const state = hook.active ? "on" : `off${hook.disabledReason ? ": " + hook.disabledReason : ""}`;
      const actions = document.createElement("td");
      actions.append(
        button(hook.active ? "Turn off" : "Turn on", async () => {
          await call("PATCH", `/api/admin/webhooks/${hook.id}`, {active: !hook.active});
          await load();
        }),
        button("Send test", async () => {
          await call("POST", `/api/admin/webhooks/${hook.id}/test`);
          await deliveries(hook);
        }),
        button("Deliveries", () => deliveries(hook)),
        button("Delete", async () => {
          await call("DELETE", `/api/admin/webhooks/${hook.id}`);
          await load();
        }, true),
      );
      tr.append(cell(hook.url), cell(hook.events.join(", ")), cell(state), actions);
      return tr;
    }),
  );
}

async function deliveries(hook) {
  const {deliveries: found} = await call("GET", `/api/admin/webhooks/${hook.id}/deliveries`);
  document.getElementById("deliveries-url").textContent = hook.url;
  document.getElementById("delivery-rows").replaceChildren(
    ...found.map((item) => {
      const tr = document.createElement("tr");
      tr.append(
        cell(item.type),
        cell(item.status),
        cell(String(item.attempts)),
        cell(item.responseCode === null ? "" : String(item.responseCode)),
        cell(item.durationMs === null ? "" : String(item.durationMs)),
        cell(item.lastError || ""),
        cell(item.updatedAt),
      );
      return tr;
    }),
  );
  document.getElementById("deliveries").hidden = false;
}

document.getElementById("webhook-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  run(async () => {
    await call("POST", "/api/admin/webhooks", {
      url: form.get("url"),
      secret: form.get("secret"),
      events: form.getAll("events"),
    });
    event.target.reset();
    await load();
  }, formError);
});

run(load);
