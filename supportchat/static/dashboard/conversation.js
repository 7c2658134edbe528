/** One conversation: joining it, catching up, receiving, read receipts, assign and close. */
import {JOIN_LIMIT, emit, me, showError, socket, state, ui} from "./context.js";
import {learnRead, readUpTo, renderList, upsertTicket} from "./inbox.js";
import {renderLabels} from "./labels.js";
import {renderContact} from "./contact.js";
import {arrived, clearRows, markUnreadFrom, renderMessages, showFound, stopTyping}
  from "./replies.js";

const TYPING_SHOWN_MS = 6000;
const BEFORE_FOUND = 50; // messages shown above a search match the ticket is opened at
const MAX_CATCH_UP_PAGES = 100; // a resync reads at most this many pages of what it missed
let typingShownTimer = null;

/**
 * Open a ticket at its latest messages, or, from a search, at the matching message `atSeq`:
 * then the page around it is loaded, earlier and newer ones as the agent scrolls.
 */
export async function openTicket(ticketId, atSeq = null) {
  if (ticketId === state.selected && !atSeq) return;
  const previous = state.selected;
  if (previous && previous !== ticketId) socket.emit("room:leave", {ticketId: previous}, () => {});
  stopTyping();
  Object.assign(state, {selected: ticketId, lastSeq: 0, guestReadSeq: 0, readSent: 0,
    historyFailed: false, foundSeq: atSeq, later: false});
  state.messages.clear();
  clearRows();
  ui.typing.textContent = "";
  showError(ui.error, null);
  ui.retryLoad.hidden = true;
  ui.empty.hidden = true;
  ui.body.hidden = false;
  const cached = state.tickets.get(ticketId);
  if (cached) renderHeader(cached);
  renderList();
  const since = atSeq ? Math.max(0, atSeq - BEFORE_FOUND - 1) : null;
  ui.messages.setAttribute("aria-busy", "true");
  try {
    const ack = await emit("ticket:join", atSeq ? {ticketId, sinceSeq: since} : {ticketId});
    if (state.selected !== ticketId) return;
    learnRead(ack.ticket);
    if (ack.ticket.unread && !atSeq) markUnreadFrom(firstUnanswered(ack.messages));
    state.later = Boolean(atSeq) && ack.hasMore;
    ui.loadLater.hidden = !state.later;
    renderHeader(ack.ticket);
    receive(ack.messages, false);
    ui.loadEarlier.hidden = atSeq ? since === 0 : !ack.hasMore;
    if (atSeq) showFound(atSeq);
    else if (!ui.composer.hidden) ui.reply.focus();
  } catch (error) {
    if (state.selected === ticketId) loadFailed(error);
  } finally {
    if (state.selected === ticketId) ui.messages.removeAttribute("aria-busy");
  }
}

/** The history did not load: say why, with a Retry (reconnecting retries by itself too). */
function loadFailed(error) {
  state.historyFailed = true;
  showError(ui.error, `The conversation could not be loaded: ${error.message}`);
  ui.retryLoad.hidden = false;
}

// Debounced: a press starts one load; further presses within a second and a half do nothing.
ui.retryLoad.addEventListener("click", () => {
  if (ui.retryLoad.disabled) return;
  ui.retryLoad.disabled = true;
  setTimeout(() => (ui.retryLoad.disabled = false), 1500);
  resync();
});

/** After a reconnect or a gap: exactly what was missed, in order. */
export async function resync() {
  const ticketId = state.selected;
  try {
    let ack = await emit("ticket:join", state.lastSeq ? {ticketId, sinceSeq: state.lastSeq} : {ticketId});
    if (state.selected !== ticketId) return;
    renderHeader(ack.ticket);
    receive(ack.messages, false);
    // More than a page missed (or the view held an older window): read on to the latest.
    for (let page = 0; state.lastSeq && ack.hasMore && page < MAX_CATCH_UP_PAGES; page += 1) {
      ack = await emit("ticket:join", {ticketId, sinceSeq: state.lastSeq});
      if (state.selected !== ticketId) return;
      receive(ack.messages, false);
    }
    state.later = false;
    ui.loadLater.hidden = true;
    if (state.historyFailed) {
      state.historyFailed = false;
      showError(ui.error, null);
      ui.retryLoad.hidden = true;
      ui.loadEarlier.hidden = !ack.hasMore;
    }
  } catch (error) {
    if (state.selected === ticketId) loadFailed(error);
  }
}

/** Where an unread ticket's news starts: the customer's messages since an agent last wrote. */
function firstUnanswered(messages) {
  let first = null;
  for (const message of messages) {
    if (message.sender.role === "guest") first = first ?? message.seq;
    else if (message.sender.role === "agent" && message.kind === "message") first = null;
  }
  return first;
}

let loadingEarlier = false;

/** The page before the oldest message held; the window keeps the reader's place. */
export async function loadEarlier() {
  if (loadingEarlier || !state.messages.size) return;
  loadingEarlier = true;
  const ticketId = state.selected;
  let first = Infinity;
  for (const message of state.messages.values()) first = Math.min(first, message.seq);
  const since = Math.max(0, first - JOIN_LIMIT - 1);
  try {
    const ack = await emit("ticket:join", {ticketId, sinceSeq: since});
    if (state.selected !== ticketId) return;
    receive(ack.messages.filter((message) => message.seq < first), false);
    ui.loadEarlier.hidden = since === 0;
  } catch (error) {
    showError(ui.error, error.message);
  } finally {
    loadingEarlier = false;
  }
}

ui.loadEarlier.addEventListener("click", loadEarlier);

let loadingLater = false;

/** The page after the newest message held, while the view shows an older window. */
export async function loadLater() {
  if (loadingLater || !state.later) return;
  loadingLater = true;
  const ticketId = state.selected;
  try {
    const ack = await emit("ticket:join", {ticketId, sinceSeq: state.lastSeq});
    if (state.selected !== ticketId) return;
    state.later = ack.hasMore;
    ui.loadLater.hidden = !state.later;
    receive(ack.messages, false);
  } catch (error) {
    showError(ui.error, error.message);
  } finally {
    loadingLater = false;
  }
}

ui.loadLater.addEventListener("click", loadLater);

/** Merge messages: deduplicated by id, shown in seq order; a gap in a live one triggers a resync. */
export function receive(messages, live) {
  const fresh = messages.filter((message) => message.ticketId === state.selected
    && !state.messages.has(message.id)).sort((a, b) => a.seq - b.seq);
  if (!fresh.length) return;
  if (live && fresh[0].seq > state.lastSeq + 1) {
    resync();
    return;
  }
  for (const message of fresh) {
    state.messages.set(message.id, message);
    state.lastSeq = Math.max(state.lastSeq, message.seq);
    state.outbox = state.outbox.filter((entry) => entry.clientMsgId !== message.clientMsgId
      || message.sender.id !== me.id);
    if (message.sender.role === "guest") ui.typing.textContent = "";
  }
  renderMessages();
  if (live) arrived(fresh);
  markRead();
}

socket.on("chat:message", (message) => receive([message], true));

socket.on("ticket:closed", (event) => {
  const ticket = state.tickets.get(event.ticketId);
  if (event.ticketId === state.selected) {
    renderHeader(Object.assign({}, ticket || state.currentTicket, {status: "closed",
      closedAt: event.closedAt, closedBy: event.closedBy}));
  }
});

socket.on("typing", (event) => {
  if (event.ticketId !== state.selected || event.sender.role !== "guest") return;
  ui.typing.textContent = event.typing ? `${event.sender.name} is typing…` : "";
  clearTimeout(typingShownTimer);
  if (event.typing) typingShownTimer = setTimeout(() => (ui.typing.textContent = ""), TYPING_SHOWN_MS);
});

socket.on("read", (event) => {
  if (event.ticketId !== state.selected || event.role !== "guest") return;
  state.guestReadSeq = Math.max(state.guestReadSeq, event.seq);
  renderMessages();
});

/** Tell the server the agent has seen the latest message, when it is on screen. */
export function markRead() {
  const atEnd = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 60;
  if (!state.selected || document.visibilityState !== "visible" || !atEnd || state.later
      || state.lastSeq <= state.readSent) return;
  state.readSent = state.lastSeq;
  readUpTo(state.selected, state.lastSeq);
  const ticket = state.tickets.get(state.selected);
  if (ticket && ticket.unread) upsertTicket(ticket);
  socket.emit("read", {ticketId: state.selected, seq: state.lastSeq}, () => {});
}

ui.messages.addEventListener("scroll", markRead);
document.addEventListener("visibilitychange", markRead);

export function renderHeader(ticket) {
  state.currentTicket = ticket;
  const closed = ticket.status === "closed";
  const mine = Boolean(ticket.assignee) && ticket.assignee.id === me.id;
  ui.title.textContent = ticket.customer.label;
  const parts = [closed ? "Closed" : "Open", ticket.customer.verified ? "verified customer" : "unverified",
    ticket.assignee ? `assigned to ${mine ? "you" : ticket.assignee.name}` : "unassigned"];
  ui.meta.textContent = parts.join(" · ");
  ui.assign.textContent = mine ? "Unassign" : "Assign to me";
  ui.assign.hidden = closed;
  ui.close.hidden = closed;
  ui.closedNote.hidden = !closed;
  ui.composer.hidden = closed;
  renderLabels(ticket);
  renderContact(ticket);
  renderMessages(); // the "closed by" line
  botToggle.hidden = closed;
  botToggle.textContent = ticket.botActive ? "Turn bot off" : "Turn bot on";
  botToggle.setAttribute("aria-pressed", String(Boolean(ticket.botActive)));
}

// AI replies for this ticket (PROTOCOL.md §3.9): off hands it over to the team.
const botToggle = document.getElementById("bot-toggle");
botToggle.addEventListener("click", async () => {
  const active = !(state.currentTicket && state.currentTicket.botActive);
  try {
    const ack = await emit("ticket:bot", {ticketId: state.selected, active});
    upsertTicket(ack.ticket);
    showError(ui.error, null);
  } catch (error) {
    showError(ui.error, error.message);
  }
});

ui.assign.addEventListener("click", async () => {
  const mine = state.currentTicket && state.currentTicket.assignee && state.currentTicket.assignee.id === me.id;
  ui.assign.disabled = true;
  try {
    const ack = await emit("ticket:assign", {ticketId: state.selected, agentId: mine ? null : me.id});
    upsertTicket(ack.ticket);
    renderHeader(ack.ticket);
    showError(ui.error, null);
  } catch (error) {
    showError(ui.error, error.message);
  } finally {
    ui.assign.disabled = false;
  }
});

// Closing cannot be undone: the first press asks, the second (within a few seconds) closes.
let closeArmed = null;
ui.close.addEventListener("click", async () => {
  if (!closeArmed) {
    ui.close.textContent = "Confirm close";
    closeArmed = setTimeout(() => {
      closeArmed = null;
      ui.close.textContent = "Close ticket";
    }, 4000);
    return;
  }
  clearTimeout(closeArmed);
  closeArmed = null;
  ui.close.textContent = "Close ticket";
  try {
    const ack = await emit("ticket:close", {ticketId: state.selected});
    upsertTicket(ack.ticket);
    renderHeader(ack.ticket);
    showError(ui.error, null);
  } catch (error) {
    showError(ui.error, error.message);
  }
});
