/**
 * Inbox search and the label filter (PROTOCOL.md §3.6 `q`, `label`): a search box and a label
 * box above the list, label chips and the highlighted match on each row.
 */
import {h} from "../shared/helpers.js";
import {ui} from "./context.js";
import {loadTickets} from "./inbox.js";

const SEARCH_DELAY_MS = 300;
const LABEL = /^[\w-]{1,32}$/u;

/** The filters this module adds to `ticket:list`. */
export const filters = {q: "", label: ""};

const search = h("input", {type: "search", id: "inbox-search", maxlength: "200",
  placeholder: "Search messages and customers", "aria-label": "Search conversations"});
const label = h("input", {type: "search", id: "filter-label", maxlength: "32",
  placeholder: "Label", "aria-label": "Filter by label"});
const filterBox = ui.status.closest(".inbox-filters") || ui.list.parentElement;
filterBox.before(h("div", {class: "inbox-search"}, search));
filterBox.append(h("label", null, "Label ", label));

let timer = null;
function changed() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    const q = search.value.trim();
    const tag = label.value.trim().toLowerCase();
    if (tag && !LABEL.test(tag)) return; // the server would refuse it; wait for more typing
    if (q === filters.q && tag === filters.label) return;
    Object.assign(filters, {q, label: tag});
    loadTickets(true);
  }, SEARCH_DELAY_MS);
}
search.addEventListener("input", changed);
label.addEventListener("input", changed);

/** Show only tickets tagged `tag` (a chip was clicked). */
export function filterByLabel(tag) {
  label.value = tag;
  changed();
}

/** `ticket:list` parameters for the active search and label. */
export function extraQuery() {
  const query = {};
  if (filters.q && /[\p{L}\p{N}_]/u.test(filters.q)) query.q = filters.q;
  if (filters.label) query.label = filters.label;
  return query;
}

/**
 * Whether a ticket that changed still belongs in the list: its labels must hold the label
 * filter, and while searching only tickets the search found stay (the server decides matches).
 */
export function keeps(ticket, listed) {
  if (filters.label && !(ticket.labels || []).includes(filters.label)) return false;
  return !extraQuery().q || listed;
}

/** The text with the search words marked, as text nodes and <mark> elements (never markup). */
export function highlighted(text, q) {
  const words = (q.match(/[\p{L}\p{N}_]+/gu) || []).map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (!words.length) return [text];
  const parts = text.split(new RegExp(`(${words.join("|")})`, "giu"));
  return parts.map((part, index) => (index % 2 ? h("mark", null, part) : part)).filter((part) => part !== "");
}

/** What a row shows besides the inbox's own fields: label chips and the search match. */
export function rowExtras(ticket) {
  const extras = [];
  if (ticket.labels && ticket.labels.length) {
    extras.push(h("div", {class: "labels"}, ...ticket.labels.map((tag) => h("span", {class: "chip"}, tag))));
  }
  if (ticket.match) {
    extras.push(h("div", {class: "match", title: "Where the search matched"},
      ...highlighted(ticket.match.snippet, filters.q)));
  }
  return extras;
}
