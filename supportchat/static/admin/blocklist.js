/**
 * The blocklist editor (templates/admin/blocklist.html) over GET/PUT /api/admin/blocklist:
 * one entry a line, "address-or-network # note"; the server checks and canonicalises them.
 */
import {h} from "../shared/helpers.js";
import {api, showError} from "./api.js";
import {parseLines} from "./rules.js";

const $ = (id) => /** @type {any} */ (document.getElementById(id));
const form = $("blocklist-form");
const text = $("blocklist-entries");
const problem = $("blocklist-error");
const status = $("blocklist-status");

function show(data) {
  text.value = data.entries
    .map((entry) => (entry.note ? `${entry.network} # ${entry.note}` : entry.network)).join("\n");
  $("environment-entries").replaceChildren(...data.environment.map((entry) => h("li", null, entry)));
  $("environment-section").hidden = data.environment.length === 0;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  status.hidden = true;
  const {entries, lines} = parseLines(text.value);
  const answer = await api("PUT", "/api/admin/blocklist", {entries});
  const at = /^entries\.(\d+)/.exec((answer.error && answer.error.details && answer.error.details.field) || "");
  const error = at
    ? {...answer.error, message: `Line ${lines[Number(at[1])]}: ${answer.error.message.replace(/^entries\.\d+(\.\w+)?:?\s*/, "")}`}
    : answer.error;
  showError(form, problem, error);
  if (!answer.ok) return;
  show(answer.data);
  status.textContent = `Saved ${answer.data.entries.length} ${answer.data.entries.length === 1 ? "entry" : "entries"}.`;
  status.hidden = false;
});

const loaded = await api("GET", "/api/admin/blocklist");
if (loaded.ok) show(loaded.data);
else showError(form, problem, loaded.error);
form.dataset.ready = "true";
