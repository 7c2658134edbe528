/** The open ticket's labels (PROTOCOL.md §4 `ticket:label`): chips to remove, a box to add. */
import {h} from "../shared/helpers.js";
import {emit, showError, state, ui} from "./context.js";
import {upsertTicket} from "./inbox.js";
import {filterByLabel} from "./search.js";

const LABEL = /^[\w-]{1,32}$/u;
const MAX_LABELS = 20;

const chips = h("ul", {class: "labels", "aria-label": "Labels"});
const input = h("input", {type: "text", id: "add-label", maxlength: "32", placeholder: "Add label",
  "aria-label": "Add a label", autocomplete: "off"});
ui.meta.after(h("div", {class: "labels-editor"}, chips, input));

/** Show the labels of `ticket` (called whenever the conversation header is drawn). */
export function renderLabels(ticket) {
  const labels = ticket.labels || [];
  chips.replaceChildren(...labels.map((tag) => h("li", {class: "chip"},
    h("button", {type: "button", class: "chip-filter", title: `Show tickets labelled ${tag}`,
      onclick: () => filterByLabel(tag)}, tag),
    h("button", {type: "button", class: "chip-remove", "aria-label": `Remove label ${tag}`,
      onclick: () => save(labels.filter((other) => other !== tag))}, "×"))));
}

async function save(labels) {
  const ticketId = state.selected;
  try {
    const ack = await emit("ticket:label", {ticketId, labels});
    if (ack.ticket.id === state.selected) state.currentTicket = ack.ticket;
    upsertTicket(ack.ticket);
    showError(ui.error, null);
  } catch (error) {
    showError(ui.error, error.message);
  }
}

input.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();
  const tag = input.value.trim().toLowerCase();
  const current = (state.currentTicket && state.currentTicket.labels) || [];
  if (!LABEL.test(tag)) {
    showError(ui.error, "A label is 1 to 32 letters, digits, '_' or '-'.");
    return;
  }
  if (current.length >= MAX_LABELS && !current.includes(tag)) {
    showError(ui.error, `A ticket has at most ${MAX_LABELS} labels.`);
    return;
  }
  input.value = "";
  if (!current.includes(tag)) save([...current, tag]);
});
