/** The ticket list: filters, order, pages, live updates, keyboard navigation. */
import {h} from "../shared/helpers.js";
import {PAGE_SIZE, emit, formatWhen, me, showError, socket, state, ui} from "./context.js";
import {openTicket, renderHeader} from "./conversation.js";
import {extraQuery, keeps, rowExtras} from "./search.js";
import {showUnread, track} from "./notify.js";

export function matchesFilters(ticket) {
  const status = ui.status.value;
  const assigned = ui.assigned.value;
  if (status !== "all" && ticket.status !== status) return false;
  if (longestWait() && !ticket.waitingSince) return false; // answered: no longer waiting
  if (!keeps(ticket, state.tickets.has(ticket.id))) return false;
  if (!state.tickets.has(ticket.id) && state.nextCursor && beyondLoaded(ticket)) return false;
  if (assigned === "me") return Boolean(ticket.assignee) && ticket.assignee.id === me.id;
  if (assigned === "none") return !ticket.assignee;
  return true;
}

/**
 * Unread is each agent's own. Lists and joins answer for this agent: remember how far that
 * says they have read. Frames every agent gets (digests, ticket:updated) carry the team's
 * flag; this agent's is whether the message the preview shows is past their own position.
 */
export function learnRead(ticket) {
  const known = ticket.unread ? ticket.previewSeq - 1 : ticket.previewSeq;
  readUpTo(ticket.id, known);
}

export function readUpTo(ticketId, seq) {
  state.ownRead.set(ticketId, Math.max(state.ownRead.get(ticketId) ?? 0, seq));
}

function ownUnread(ticket) {
  return ticket.previewSeq > (state.ownRead.get(ticket.id) ?? 0);
}

/** Whether a ticket sorts after every row loaded: it belongs to a page not loaded yet. */
function beyondLoaded(ticket) {
  const order = inOrder();
  let last = null;
  for (const held of state.tickets.values()) if (!last || order(held, last) > 0) last = held;
  return last !== null && order(ticket, last) > 0;
}

/** Newest activity first, as the server pages them. */
export function byActivity(a, b) {
  return b.lastMessageAt.localeCompare(a.lastMessageAt) || b.id.localeCompare(a.id);
}

/** The longest wait first, as the server pages them with `sort: "waiting"`. */
export function byWait(a, b) {
  return (a.waitingSince || "").localeCompare(b.waitingSince || "") || a.id.localeCompare(b.id);
}

/** Whether the list shows only the customers who wait, the longest wait first. */
const longestWait = () => ui.sort.value === "waiting";
const inOrder = () => (longestWait() ? byWait : byActivity);

/** How long the customer has waited since `iso`: "waiting 12 min", "waiting 2 h 5 min". */
export function waitedFor(iso, now = Date.now()) {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
  if (minutes < 60) return `waiting ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `waiting ${hours} h ${minutes % 60} min`;
  return `waiting ${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export async function loadTickets(reset) {
  const generation = reset ? ++state.listGeneration : state.listGeneration;
  const query = {status: ui.status.value, assigned: ui.assigned.value, sort: ui.sort.value,
    limit: PAGE_SIZE, ...extraQuery()};
  if (!reset && state.nextCursor) query.cursor = state.nextCursor;
  ui.loadMore.disabled = true;
  try {
    const ack = await emit("ticket:list", query);
    if (generation !== state.listGeneration) return; // the filters changed meanwhile
    if (reset) state.tickets.clear();
    for (const ticket of ack.tickets) {
      learnRead(ticket);
      state.tickets.set(ticket.id, ticket);
    }
    track(ack.tickets);
    state.nextCursor = ack.nextCursor;
    showError(ui.inboxError, null);
  } catch (error) {
    showError(ui.inboxError, error.message);
  } finally {
    ui.loadMore.disabled = false;
  }
  renderList();
}

/** Keep a ticket where the filters say it belongs, without re-rendering. */
function place(ticket) {
  if (matchesFilters(ticket)) state.tickets.set(ticket.id, ticket);
  else state.tickets.delete(ticket.id);
}

/** A ticket changed or appeared: keep it where the filters say it belongs. */
export function upsertTicket(ticket) {
  // Where the search found it stays with the row until the search changes.
  const held = state.tickets.get(ticket.id);
  place(Object.assign({match: held && held.match}, ticket, {unread: ownUnread(ticket)}));
  renderList();
  if (ticket.id === state.selected) renderHeader(ticket);
}

socket.on("ticket:created", upsertTicket);
socket.on("ticket:updated", upsertTicket); // close, assign, read: at once, one ticket each

const DIGESTED = ["lastMessageAt", "lastMessagePreview", "status", "assignee",
  "waitingSince", "lastSeq", "previewSeq"];

/** One inbox row of a digest merged into what the page holds; false when it is stale. */
function applyRow(row) {
  const held = state.tickets.get(row.id)
    || (row.id === state.selected ? state.currentTicket : null);
  // Each server process sends its own digests: one from another process may come late.
  if (held && row.lastSeq < held.lastSeq) return false;
  const ticket = held ? Object.assign({}, held)
    : {id: row.id, customer: {label: row.title, verified: false}};
  for (const key of DIGESTED) ticket[key] = row[key];
  ticket.unread = ownUnread(ticket);
  place(ticket);
  if (row.id === state.selected && state.currentTicket) {
    renderHeader(Object.assign({}, state.currentTicket, ticket, {customer: state.currentTicket.customer}));
  }
  return true;
}

/** Messages come as digests (at most one a second per server process): one render a frame. */
socket.on("inbox:updated", (digest) => {
  const changed = (digest.conversations || []).map(applyRow);
  if (changed.some(Boolean)) renderList();
});

// While the pointer is over the list its rows keep their places (a click must land where it
// aimed); news still updates each row, and the order catches up once the pointer leaves.
let heldOrder = null;
// (pointermove on the document: rows re-rendered under a resting pointer lose enter/leave.)
document.addEventListener("pointermove", (event) => {
  const inside = event.target instanceof Node && ui.list.contains(event.target);
  if (inside && !heldOrder) {
    heldOrder = new Map(Array.from(ui.list.querySelectorAll("li[data-id]"),
      (row, index) => [row.dataset.id, index]));
  } else if (!inside && heldOrder) {
    heldOrder = null;
    renderList();
  }
});

function inPlace(a, b) {
  const first = heldOrder.get(a.id) ?? Infinity;
  const second = heldOrder.get(b.id) ?? Infinity;
  return first === second ? inOrder()(a, b) : first - second;
}

export function renderList() {
  // "Unread" filters what is loaded (ticket:list has no such filter); the open one stays.
  const tickets = Array.from(state.tickets.values()).filter((ticket) => !ui.unreadOnly.checked
    || ticket.unread || ticket.id === state.selected).sort(heldOrder ? inPlace : inOrder());
  const focused = document.activeElement && document.activeElement.closest("#ticket-list li");
  const focusedId = focused ? focused.dataset.id : null;
  ui.list.replaceChildren(...tickets.map((ticket) => {
    const selected = ticket.id === state.selected;
    const assignee = ticket.assignee ? `Assigned to ${ticket.assignee.id === me.id ? "you" : ticket.assignee.name}` : "Unassigned";
    return h("li", {role: "option", "data-id": ticket.id, "aria-selected": String(selected),
      tabindex: selected || (!state.selected && ticket === tickets[0]) ? "0" : "-1",
      class: ticket.unread ? "unread" : null},
    h("div", {class: "row"},
      h("span", {class: "label"}, ticket.customer.label),
      ticket.unread ? h("span", {class: "badge", "aria-label": "unread"}, "New") : null,
      longestWait() && ticket.waitingSince
        ? h("time", {class: "waited", datetime: ticket.waitingSince}, waitedFor(ticket.waitingSince))
        : h("time", {datetime: ticket.lastMessageAt}, formatWhen(ticket.lastMessageAt))),
    h("div", {class: "preview"}, ticket.lastMessagePreview || "(no messages yet)"), ...rowExtras(ticket),
    h("div", {class: "meta"}, `${ticket.status === "closed" ? "Closed · " : ""}${assignee}`));
  }));
  if (focusedId) {
    const again = ui.list.querySelector(`li[data-id="${CSS.escape(focusedId)}"]`);
    if (again) again.focus();
  }
  ui.inboxEmpty.hidden = tickets.length > 0;
  ui.loadMore.hidden = !state.nextCursor;
  const unread = tickets.filter((ticket) => ticket.unread).length;
  document.title = `${unread ? `(${unread}) ` : ""}Inbox · supportchat`;
  showUnread(unread);
}

ui.list.addEventListener("click", (event) => {
  const item = event.target.closest("li[data-id]");
  if (item) openTicket(item.dataset.id, foundAt(item.dataset.id));
});

/** Where a search found the ticket: the matching message's seq (null: not a message). */
function foundAt(ticketId) {
  const ticket = state.tickets.get(ticketId);
  return (ticket && ticket.match && ticket.match.seq) || null;
}

ui.list.addEventListener("keydown", (event) => {
  const item = event.target.closest("li[data-id]");
  if (!item) return;
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    openTicket(item.dataset.id, foundAt(item.dataset.id));
  } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const next = event.key === "ArrowDown" ? item.nextElementSibling : item.previousElementSibling;
    if (next) {
      item.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    }
  }
});

ui.loadMore.addEventListener("click", () => loadTickets(false));
// Infinite scroll: the next page loads as the button comes into view (it stays as a fallback).
new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting) && state.nextCursor && !ui.loadMore.disabled) {
    loadTickets(false);
  }
}).observe(ui.loadMore);
ui.unreadOnly.addEventListener("change", renderList);
ui.status.addEventListener("change", () => loadTickets(true));
ui.assigned.addEventListener("change", () => loadTickets(true));
ui.sort.addEventListener("change", () => loadTickets(true));
// The waits grow by the minute, in place: rows neither re-render nor move.
setInterval(() => {
  for (const time of ui.list.querySelectorAll("time.waited")) {
    time.textContent = waitedFor(time.getAttribute("datetime"));
  }
}, 60_000);
