/**
 * The settings page (templates/admin/settings.html) over GET/PUT /api/admin/settings: fills
 * the form, keeps the preview and the colour's contrast check live, and saves every section.
 */
import {h} from "../shared/helpers.js";
import {api, showError} from "./api.js";
import {AA, contrastWithWhite, intervals, sixDigits} from "./rules.js";

const $ = (id) => /** @type {any} */ (document.getElementById(id));
const form = $("settings-form");
const problem = $("settings-error");
const status = $("settings-status");
const field = (name) => form.querySelector(`[data-field="${name}"]`);
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const PRESETS = {
  xai: "https://api.x.ai/v1",
  openai: "https://api.openai.com/v1",
  "openai-compatible": "http://localhost:11434/v1",
};
function updatePreview() {
  const color = field("branding.primaryColor").value;
  $("preview-head").style.background = color;
  $("preview-title").textContent = field("branding.title").value;
  $("preview-welcome").textContent = field("branding.welcomeMessage").value;
  const ratio = contrastWithWhite(color);
  const contrast = $("contrast");
  contrast.textContent = `Contrast with white text: ${ratio.toFixed(2)}:1 — ${ratio >= AA
    ? "readable (WCAG AA)" : `too low, at least ${AA}:1 is needed; choose a darker colour`}.`;
  contrast.classList.toggle("error", ratio < AA);
}

function timeZones(current) {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const names = new Set(["UTC", ...zones]);
  if (current) names.add(current);
  $("hours-timezone").replaceChildren(...[...names].sort().map((zone) => h("option", {value: zone}, zone)));
}

function fieldRow(index, item = {name: "", label: "", type: "text", required: false}) {
  const at = `behavior.preChatForm.fields.${index}`;
  const types = ["text", "email", "tel", "textarea"];
  return h("tr", null,
    h("td", null, h("input", {class: "pf-name", value: item.name, "aria-label": `Field ${index + 1} name`, "data-field": `${at}.name`})),
    h("td", null, h("input", {class: "pf-label", value: item.label, "aria-label": `Field ${index + 1} label`, "data-field": `${at}.label`})),
    h("td", null, h("select", {class: "pf-type", "aria-label": `Field ${index + 1} type`, "data-field": `${at}.type`},
      ...types.map((type) => h("option", {value: type, selected: type === item.type}, type)))),
    h("td", null, h("input", {type: "checkbox", class: "pf-required", checked: item.required, "aria-label": `Field ${index + 1} required`})),
    h("td", null, h("button", {type: "button", class: "secondary", onclick: (event) => {
      event.target.closest("tr").remove();
      renumberFields();
    }}, `Remove field ${index + 1}`)));
}

function readFields() {
  return [...$("prechat-fields").rows].map((row) => ({
    name: row.querySelector(".pf-name").value.trim(),
    label: row.querySelector(".pf-label").value.trim(),
    type: row.querySelector(".pf-type").value,
    required: row.querySelector(".pf-required").checked,
  }));
}

function renumberFields() {
  $("prechat-fields").replaceChildren(...readFields().map((item, index) => fieldRow(index, item)));
}

function fill(values) {
  const {branding, behavior, ai} = values;
  for (const name of ["title", "welcomeMessage", "customCss"]) field(`branding.${name}`).value = branding[name];
  field("branding.primaryColor").value = sixDigits(branding.primaryColor);
  field("behavior.autoReply").value = behavior.autoReply;
  field("behavior.offlineMessage").value = behavior.offlineMessage;
  const hours = behavior.businessHours;
  $("hours-enabled").checked = Boolean(hours);
  timeZones(hours ? hours.timezone : Intl.DateTimeFormat().resolvedOptions().timeZone);
  $("hours-timezone").value = hours ? hours.timezone : Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const input of form.querySelectorAll(".day")) {
    const intervals = (hours && hours.days[input.dataset.day]) || [];
    input.value = intervals.map(([start, end]) => `${start}-${end}`).join(", ");
  }
  $("hours-editor").hidden = !hours;
  $("prechat-enabled").checked = behavior.preChatForm.enabled;
  $("prechat-fields").replaceChildren(...behavior.preChatForm.fields.map((item, index) => fieldRow(index, item)));
  $("csat-enabled").checked = behavior.csat.enabled;
  $("ai-enabled").checked = ai.enabled;
  $("ai-provider").value = ai.provider || "";
  $("ai-base-url").value = ai.baseUrl;
  $("ai-model").value = ai.model;
  $("ai-system-prompt").value = ai.systemPrompt;
  $("ai-key").value = "";
  $("ai-key-clear").checked = false;
  $("ai-key-state").textContent = ai.apiKeySet
    ? "A key is set; it is never shown. Type a new one to replace it."
    : "No key is set.";
  updatePreview();
}

function collect() {
  const ai = {
    enabled: $("ai-enabled").checked,
    provider: $("ai-provider").value || null,
    baseUrl: $("ai-base-url").value.trim(),
    model: $("ai-model").value.trim(),
    systemPrompt: $("ai-system-prompt").value,
  };
  if ($("ai-key-clear").checked) ai.apiKey = null;
  else if ($("ai-key").value) ai.apiKey = $("ai-key").value;
  const days = Object.fromEntries(DAYS.map((day) => [day, intervals(form.querySelector(`[data-day="${day}"]`).value)]));
  return {
    branding: {
      title: field("branding.title").value,
      primaryColor: field("branding.primaryColor").value,
      welcomeMessage: field("branding.welcomeMessage").value,
      customCss: field("branding.customCss").value,
    },
    behavior: {
      autoReply: field("behavior.autoReply").value,
      offlineMessage: field("behavior.offlineMessage").value,
      businessHours: $("hours-enabled").checked ? {timezone: $("hours-timezone").value, days} : null,
      preChatForm: {enabled: $("prechat-enabled").checked, fields: readFields()},
      csat: {enabled: $("csat-enabled").checked},
    },
    ai,
  };
}

async function save(event) {
  event.preventDefault();
  status.hidden = true;
  $("save").disabled = true;
  const answer = await api("PUT", "/api/admin/settings", collect());
  $("save").disabled = false;
  showError(form, problem, answer.error);
  if (!answer.ok) return;
  fill(answer.data);
  status.textContent = "Saved. The widget and the hosted chat page use these settings now.";
  status.hidden = false;
}

async function testConnection() {
  const result = $("ai-test-result");
  result.textContent = "Testing the saved settings…";
  result.classList.remove("error");
  const answer = await api("POST", "/api/admin/settings/ai/test", {});
  const connected = answer.ok && answer.data.ok;
  if (connected) result.textContent = `Connected: ${answer.data.model} answered in ${answer.data.latencyMs} ms.`;
  else result.textContent = answer.ok ? answer.data.error : answer.error.message;
  result.classList.toggle("error", !connected);
}

form.addEventListener("input", updatePreview);
form.addEventListener("submit", save);
$("hours-enabled").addEventListener("change", () => { $("hours-editor").hidden = !$("hours-enabled").checked; });
$("prechat-add").addEventListener("click", () => {
  const index = $("prechat-fields").rows.length;
  $("prechat-fields").append(fieldRow(index));
  $("prechat-fields").rows[index].querySelector("input").focus();
});
$("ai-provider").addEventListener("change", () => {
  const preset = PRESETS[$("ai-provider").value];
  if (preset) $("ai-base-url").value = preset;
});
$("ai-test").addEventListener("click", testConnection);

const loaded = await api("GET", "/api/admin/settings");
if (loaded.ok) fill(loaded.data);
else showError(form, problem, loaded.error);
form.dataset.ready = "true";
