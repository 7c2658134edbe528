/**
 * The agents page (templates/admin/index.html): the accounts with their activity, editing a
 * name or role, deactivating and reactivating, and resetting a password (generated here from
 * the CSPRNG, sent once over PATCH /api/admin/agents/<id>, shown once).
 */
import {confirmFirst, h} from "../shared/helpers.js";
import {api, showError, when} from "./api.js";
import {generatePassword} from "./rules.js";

const $ = (id) => /** @type {any} */ (document.getElementById(id));
const table = $("agents");
const problem = $("agents-error");
const status = $("agents-status");
const dialog = $("edit-dialog");
/** @type {Map<string, any>} */
const accounts = new Map();
let editing = null;

function say(message) {
  status.textContent = message;
  status.hidden = false;
  problem.hidden = true;
}

function fail(error) {
  status.hidden = true;
  problem.textContent = error.message;
  problem.hidden = false;
}

function row(agent) {
  const name = agent.name;
  const actions = h("td", null, h("div", {class: "row-actions"},
    h("button", {type: "button", class: "secondary", onclick: () => edit(agent.id)}, `Edit ${name}`),
    agent.active
      ? h("button", {type: "button", class: "danger", onclick: (event) => confirmFirst(event.currentTarget, () => change(agent.id, {active: false}, `Deactivated ${name}; their sessions end within seconds.`))}, `Deactivate ${name}`)
      : h("button", {type: "button", class: "secondary", onclick: () => change(agent.id, {active: true}, `Reactivated ${name}.`)}, `Reactivate ${name}`),
    h("button", {type: "button", class: "secondary", onclick: (event) => confirmFirst(event.currentTarget, () => reset(agent.id))}, `Reset password of ${name}`)));
  return h("tr", {"data-agent-id": agent.id, class: agent.active ? null : "inactive"},
    h("td", null, name), h("td", null, agent.email), h("td", null, agent.role),
    h("td", null, agent.active ? "yes" : "no"), h("td", null, agent.signedIn ? "yes" : "no"),
    h("td", null, when(agent.lastSeenAt)), actions);
}

function render() {
  table.tBodies[0].replaceChildren(...[...accounts.values()].map(row));
}

async function load() {
  const answer = await api("GET", "/api/admin/agents");
  if (!answer.ok) return fail(answer.error);
  accounts.clear();
  for (const agent of answer.data.agents) accounts.set(agent.id, agent);
  render();
  table.dataset.ready = "true";
}

async function change(id, fields, done) {
  const answer = await api("PATCH", `/api/admin/agents/${encodeURIComponent(id)}`, fields);
  if (!answer.ok) {
    fail(answer.error);
    return answer;
  }
  await load();
  say(done);
  return answer;
}

function edit(id) {
  editing = id;
  const agent = accounts.get(id);
  $("edit-name").value = agent.name;
  $("edit-role").value = agent.role;
  showError($("edit-form"), $("edit-error"), null);
  dialog.showModal();
}

async function reset(id) {
  const agent = accounts.get(id);
  const password = generatePassword();
  const answer = await change(id, {password}, `Reset the password of ${agent.name}.`);
  if (!answer.ok) return;
  $("password-once-who").textContent = `${agent.name} (${agent.email})`;
  $("password-once-value").textContent = password;
  $("password-once").hidden = false;
  $("password-once-done").focus();
}

$("edit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const fields = {name: $("edit-name").value, role: $("edit-role").value};
  const answer = await api("PATCH", `/api/admin/agents/${encodeURIComponent(editing)}`, fields);
  if (!answer.ok) {
    showError($("edit-form"), $("edit-error"), answer.error);
    return;
  }
  dialog.close();
  await load();
  say(`Saved ${answer.data.agent.name}.`);
});
$("edit-cancel").addEventListener("click", () => dialog.close());
$("password-once-done").addEventListener("click", () => {
  $("password-once-value").textContent = "";
  $("password-once").hidden = true;
});

await load();
