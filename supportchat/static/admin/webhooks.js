// The admin page's webhooks: list, add, edit, turn on/off, test, delete, read deliveries.
// Every value from the server is put in with textContent, never as HTML.

import {confirmFirst} from "../shared/helpers.js";

const root = document.getElementById("webhooks");
const csrf = root.dataset.csrf;
const rows = document.getElementById("webhook-rows");
// Errors show next to what was used: the list's buttons above the list, the form's in the form.
const listError = document.getElementById("webhooks-list-error");
const formError = document.getElementById("webhook-error");
const form = /** @type {HTMLFormElement} */ (document.getElementById("webhook-form"));
const secret = /** @type {HTMLInputElement} */ (form.elements.namedItem("secret"));
/** The webhook the form changes, or null while it adds one. */
let editing = null;

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
  document.getElementById("webhooks-empty").hidden = webhooks.length > 0;
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
        button("Edit", () => edit(hook)),
        button("Send test", async () => {
          await call("POST", `/api/admin/webhooks/${hook.id}/test`);
          await deliveries(hook);
        }),
        button("Deliveries", () => deliveries(hook)),
        button("Delete", async () => {
          await call("DELETE", `/api/admin/webhooks/${hook.id}`);
          if (editing && editing.id === hook.id) edit(null);
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

/** Fill the form with `hook` to change it (its secret is never shown), or back to adding. */
function edit(hook) {
  editing = hook;
  form.reset();
  formError.hidden = true;
  if (hook) {
    form.elements.namedItem("url").value = hook.url;
    for (const box of form.querySelectorAll("[name=events]")) box.checked = hook.events.includes(box.value);
  }
  secret.required = !hook;
  document.getElementById("secret-hint").hidden = !hook;
  document.getElementById("webhook-form-title").textContent = hook ? `Edit the webhook to ${hook.url}` : "Add a webhook";
  document.getElementById("webhook-submit").textContent = hook ? "Save changes" : "Add";
  document.getElementById("webhook-cancel").hidden = !hook;
  if (hook) form.elements.namedItem("url").focus();
}

document.getElementById("webhook-cancel").addEventListener("click", () => edit(null));

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const fields = {url: data.get("url"), events: data.getAll("events")};
  if (data.get("secret")) fields.secret = data.get("secret"); // when editing, empty keeps it
  run(async () => {
    if (editing) await call("PATCH", `/api/admin/webhooks/${editing.id}`, fields);
    else await call("POST", "/api/admin/webhooks", fields);
    edit(null);
    await load();
  }, formError);
});

run(load);
