/** The admin page /admin/canned: list, add, change and delete canned responses (§3.7). */
import {confirmFirst, h} from "../shared/helpers.js";

const form = /** @type {HTMLFormElement} */ (document.getElementById("canned-form"));
const rows = document.getElementById("canned-rows");
const failure = document.getElementById("canned-error");
const heading = document.getElementById("canned-form-title");

/**
 * A JSON request with the double-submit CSRF header; the answer's body, or an Error with the
 * server's message.
 * @param {string} method
 * @param {string} path
 * @param {object} [body]
 */
async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRF-TOKEN": form.dataset.csrf || ""},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error?.message || `The server answered ${response.status}.`);
  return answer;
}

function showError(error) {
  failure.textContent = error ? error.message : "";
  failure.hidden = !error;
}

function edit(item) {
  form.elements.namedItem("id").value = item.id;
  for (const name of ["shortcut", "title", "text"]) form.elements.namedItem(name).value = item[name];
  heading.textContent = `Change /${item.shortcut}`;
  form.elements.namedItem("shortcut").focus();
}

/** Deleting cannot be undone: the first press asks, the second (within seconds) deletes. */
async function remove(item) {
  try {
    await call("DELETE", `/api/admin/canned/${encodeURIComponent(item.id)}`);
    showError(null);
    await load();
  } catch (error) {
    showError(error);
  }
}

async function load() {
  const {canned} = await call("GET", "/api/admin/canned");
  document.getElementById("canned-empty").hidden = canned.length > 0;
  rows.replaceChildren(
    ...canned.map((item) =>
      h(
        "tr",
        {"data-id": item.id},
        h("td", null, h("code", null, `/${item.shortcut}`)),
        h("td", null, item.title),
        h("td", {class: "canned-text"}, item.text),
        h(
          "td",
          null,
          h("button", {type: "button", class: "secondary", onclick: () => edit(item), "aria-label": `Change /${item.shortcut}`}, "Change"),
          h("button", {type: "button", class: "secondary", onclick: (event) => confirmFirst(event.currentTarget, () => remove(item)), "aria-label": `Delete /${item.shortcut}`}, "Delete"),
        ),
      ),
    ),
  );
}

form.addEventListener("reset", () => {
  form.elements.namedItem("id").value = "";
  heading.textContent = "Add a canned response";
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const id = form.elements.namedItem("id").value;
  const body = Object.fromEntries(["shortcut", "title", "text"].map((name) => [name, form.elements.namedItem(name).value]));
  try {
    if (id) await call("PATCH", `/api/admin/canned/${encodeURIComponent(id)}`, body);
    else await call("POST", "/api/admin/canned", body);
    form.reset();
    showError(null);
    await load();
  } catch (error) {
    showError(error);
  }
});

load().catch(showError);
