/**
 * The agent's live inbox (templates/agent/dashboard.html): tickets and one conversation over
 * Socket.IO /agent, authenticated by the httpOnly token cookie (PROTOCOL.md §4).
 * Needs the vendored Socket.IO client (static/socket.io.min.js) loaded before this module.
 */

const ACK_TIMEOUT_MS = 10000;
const PAGE_SIZE = 25;
const JOIN_LIMIT = 200;
const TYPING_IDLE_MS = 3000;
const TYPING_SHOWN_MS = 6000;
const OFFLINE = "Not connected; it will be sent when the connection is back.";
const RETRYABLE = new Set(["timeout", "offline", "unavailable", "rate_limited", "internal"]);

/**
 * @typedef {{id: string, status: string, customer: {label: string, verified: boolean,
 *   userIdentifier?: object, metadata?: object}, assignee: ({id: string, name: string}|null),
 *   lastSeq: number, lastMessageAt: string, lastMessagePreview: string, unread: boolean}} Ticket
 * @typedef {{id: string, ticketId: string, seq: number, clientMsgId: (string|null),
 *   sender: {id: string, role: string, name: string}, text: string, kind: string,
 *   attachments: {id: string, name: string, size: number, type: string, url: string}[],
 *   createdAt: string}} Message
 * @typedef {{clientMsgId: string, ticketId: string, text: string, kind: string,
 *   state: ("pending"|"failed"), error?: string, retryable?: boolean}} Outgoing
 */

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const workspace = $("workspace");
const me = {id: workspace.dataset.agentId, name: workspace.dataset.agentName};
const ui = {
  connection: $("connection"), list: $("ticket-list"), inboxError: $("inbox-error"),
  inboxEmpty: $("inbox-empty"), loadMore: $("load-more"), status: $("filter-status"),
  assigned: $("filter-assigned"), empty: $("conversation-empty"), body: $("conversation-body"),
  title: $("ticket-title"), meta: $("ticket-meta"), assign: $("assign"), close: $("close-ticket"),
  error: $("conversation-error"), loadEarlier: $("load-earlier"), messages: $("messages"),
  typing: $("typing"), closedNote: $("closed-note"), composer: $("composer"), reply: $("reply"),
  asNote: /** @type {HTMLInputElement} */ ($("as-note")), send: $("send"),
};

/** Everything the page knows; the server is the source of truth, this is its latest answer. */
const state = {
  /** @type {Map<string, Ticket>} */ tickets: new Map(),
  nextCursor: /** @type {string|null} */ (null),
  listGeneration: 0,
  selected: /** @type {string|null} */ (null),
  /** @type {Map<string, Message>} */ messages: new Map(),
  /** @type {Outgoing[]} */ outbox: [],
  lastSeq: 0,
  guestReadSeq: 0,
  readSent: 0,
  typingSent: 0,
  sending: Promise.resolve(),
};
/** @type {Ticket|null} the open ticket as the server last described it */
let currentTicket = null;
/** @type {Map<string, HTMLElement>} message rows on screen, by key */
const renderedRows = new Map();
let typingTimer = null;
let typingShownTimer = null;
let renewals = 0; // session renewals since the socket last connected

// ------------------------------------------------------------------ helpers

/**
 * An element; string children become text nodes, so user text never becomes markup.
 * @param {string} tag @param {object} [attrs] @param {...(Node|string|null|false)} children
 */
function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== false && child !== undefined) element.append(child);
  }
  return element;
}

function uuid4() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function formatWhen(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"})
    : date.toLocaleDateString([], {month: "short", day: "numeric"});
}

function cookie(name) {
  const match = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : "";
}

function showError(element, message) {
  element.textContent = message || "";
  element.hidden = !message;
}

// ------------------------------------------------------------------ the socket

const socket = window.io("/agent", {transports: ["websocket", "polling"], tryAllTransports: true});

/** Emit with an acknowledgement; resolves with the ack, rejects with {code, message}. */
function emit(event, payload) {
  return new Promise((resolve, reject) => {
    if (!socket.connected) {
      reject({code: "offline", message: OFFLINE});
      return;
    }
    socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (timeout, ack) => {
      if (timeout) reject({code: "timeout", message: "The server did not answer in time; try again."});
      else if (!ack || !ack.ok) reject((ack && ack.error) || {code: "internal", message: "Unexpected answer from the server."});
      else resolve(ack);
    });
  });
}

function setConnection(text) {
  ui.connection.textContent = text;
}

socket.on("connect", () => {
  renewals = 0;
  setConnection("Live");
  showError(ui.inboxError, null);
  loadTickets(true);
  if (state.selected) {
    resync();
    retryFailed();
  }
});

socket.on("disconnect", (reason) => {
  setConnection("Disconnected — reconnecting…");
  // The server ends a socket whose token expired: renew the token, then come back.
  if (reason === "io server disconnect") renewSession();
});

socket.on("connect_error", (error) => {
  if (socket.active) {
    setConnection("Reconnecting…");
  } else if (error.data && error.data.code === "unauthorized") {
    renewSession();
  } else {
    setConnection("Not connected");
    showError(ui.inboxError, error.message);
    setTimeout(() => socket.connect(), 5000);
  }
});

/**
 * POST /api/admin/auth/refresh rotates the refresh cookie and sets a new access cookie. Where
 * that route does not exist, reloading the page renews them (pages.py refreshes on the way).
 */
async function renewSession() {
  renewals += 1;
  if (renewals > 2) {
    // Renewed tokens keep being refused: signing in again is the way out.
    location.assign(`/agent/login?next=${encodeURIComponent(location.pathname)}`);
    return;
  }
  setConnection("Session expired — renewing…");
  let response;
  try {
    response = await fetch("/api/admin/auth/refresh", {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRF-TOKEN": cookie("csrf_refresh_token"), Accept: "application/json"},
    });
  } catch (_error) {
    renewals -= 1; // not a refusal: the server is not reachable yet
    setTimeout(renewSession, 3000);
    return;
  }
  if (response.ok) socket.connect();
  else if (response.status === 404 || response.status === 405) location.reload();
  else location.assign(`/agent/login?next=${encodeURIComponent(location.pathname)}`);
}

// ------------------------------------------------------------------ the ticket list

function matchesFilters(ticket) {
  const status = ui.status.value;
  const assigned = ui.assigned.value;
  if (status !== "all" && ticket.status !== status) return false;
  if (assigned === "me") return Boolean(ticket.assignee) && ticket.assignee.id === me.id;
  if (assigned === "none") return !ticket.assignee;
  return true;
}

/** Newest activity first, as the server pages them. */
function byActivity(a, b) {
  return b.lastMessageAt.localeCompare(a.lastMessageAt) || b.id.localeCompare(a.id);
}

async function loadTickets(reset) {
  const generation = reset ? ++state.listGeneration : state.listGeneration;
  const query = {status: ui.status.value, assigned: ui.assigned.value, limit: PAGE_SIZE};
  if (!reset && state.nextCursor) query.cursor = state.nextCursor;
  ui.loadMore.disabled = true;
  try {
    const ack = await emit("ticket:list", query);
    if (generation !== state.listGeneration) return; // the filters changed meanwhile
    if (reset) state.tickets.clear();
    for (const ticket of ack.tickets) state.tickets.set(ticket.id, ticket);
    state.nextCursor = ack.nextCursor;
    showError(ui.inboxError, null);
  } catch (error) {
    showError(ui.inboxError, error.message);
  } finally {
    ui.loadMore.disabled = false;
  }
  renderList();
}

/** A ticket changed or appeared: keep it where the filters say it belongs. */
function upsertTicket(ticket) {
  if (matchesFilters(ticket)) state.tickets.set(ticket.id, ticket);
  else state.tickets.delete(ticket.id);
  renderList();
  if (ticket.id === state.selected) renderHeader(ticket);
}

socket.on("ticket:created", upsertTicket);
socket.on("ticket:updated", upsertTicket);

function renderList() {
  const tickets = Array.from(state.tickets.values()).sort(byActivity);
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
      h("time", {datetime: ticket.lastMessageAt}, formatWhen(ticket.lastMessageAt))),
    h("div", {class: "preview"}, ticket.lastMessagePreview || "(no messages yet)"),
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
}

ui.list.addEventListener("click", (event) => {
  const item = event.target.closest("li[data-id]");
  if (item) openTicket(item.dataset.id);
});

ui.list.addEventListener("keydown", (event) => {
  const item = event.target.closest("li[data-id]");
  if (!item) return;
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    openTicket(item.dataset.id);
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
ui.status.addEventListener("change", () => loadTickets(true));
ui.assigned.addEventListener("change", () => loadTickets(true));

// ------------------------------------------------------------------ one conversation

async function openTicket(ticketId) {
  if (ticketId === state.selected) return;
  const previous = state.selected;
  if (previous) socket.emit("room:leave", {ticketId: previous}, () => {});
  stopTyping();
  Object.assign(state, {selected: ticketId, lastSeq: 0, guestReadSeq: 0, readSent: 0});
  state.messages.clear();
  ui.messages.replaceChildren();
  renderedRows.clear();
  ui.typing.textContent = "";
  showError(ui.error, null);
  ui.empty.hidden = true;
  ui.body.hidden = false;
  const cached = state.tickets.get(ticketId);
  if (cached) renderHeader(cached);
  renderList();
  try {
    const ack = await emit("ticket:join", {ticketId});
    if (state.selected !== ticketId) return;
    renderHeader(ack.ticket);
    receive(ack.messages, false);
    ui.loadEarlier.hidden = !ack.hasMore;
    ui.messages.scrollTop = ui.messages.scrollHeight;
    ui.reply.focus();
  } catch (error) {
    showError(ui.error, error.message);
  }
}

/** After a reconnect or a gap: exactly what was missed, in order. */
async function resync() {
  const ticketId = state.selected;
  try {
    const ack = await emit("ticket:join", state.lastSeq ? {ticketId, sinceSeq: state.lastSeq} : {ticketId});
    if (state.selected !== ticketId) return;
    renderHeader(ack.ticket);
    receive(ack.messages, false);
  } catch (error) {
    showError(ui.error, error.message);
  }
}

async function loadEarlier() {
  const ticketId = state.selected;
  const first = Math.min(...Array.from(state.messages.values(), (message) => message.seq));
  const since = Math.max(0, first - JOIN_LIMIT - 1);
  const height = ui.messages.scrollHeight;
  try {
    const ack = await emit("ticket:join", {ticketId, sinceSeq: since});
    if (state.selected !== ticketId) return;
    receive(ack.messages.filter((message) => message.seq < first), false);
    ui.loadEarlier.hidden = since === 0;
    ui.messages.scrollTop += ui.messages.scrollHeight - height; // keep the reader's place
  } catch (error) {
    showError(ui.error, error.message);
  }
}

ui.loadEarlier.addEventListener("click", loadEarlier);

/** Merge messages: deduplicated by id, shown in seq order; a gap in a live one triggers a resync. */
function receive(messages, live) {
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
  markRead();
}

socket.on("chat:message", (message) => receive([message], true));

socket.on("ticket:closed", (event) => {
  const ticket = state.tickets.get(event.ticketId);
  if (event.ticketId === state.selected) {
    renderHeader(Object.assign({}, ticket || currentTicket, {status: "closed"}));
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
function markRead() {
  const atEnd = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 60;
  if (!state.selected || document.visibilityState !== "visible" || !atEnd
      || state.lastSeq <= state.readSent) return;
  state.readSent = state.lastSeq;
  const ticket = state.tickets.get(state.selected);
  if (ticket && ticket.unread) upsertTicket(Object.assign({}, ticket, {unread: false}));
  socket.emit("read", {ticketId: state.selected, seq: state.lastSeq}, () => {});
}

ui.messages.addEventListener("scroll", markRead);
document.addEventListener("visibilitychange", markRead);

function renderHeader(ticket) {
  currentTicket = ticket;
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
}

ui.assign.addEventListener("click", async () => {
  const mine = currentTicket && currentTicket.assignee && currentTicket.assignee.id === me.id;
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

// ------------------------------------------------------------------ messages on screen

/** Reconcile the log with the state, keeping existing nodes so screen readers hear only news. */
function renderMessages() {
  const atEnd = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 60;
  const stored = Array.from(state.messages.values()).sort((a, b) => a.seq - b.seq);
  const lastAgentSeq = Math.max(0, ...stored.filter((message) => message.sender.role === "agent"
    && message.kind === "message").map((message) => message.seq));
  const rows = stored.map((message) => ({key: message.id, message,
    seen: message.seq === lastAgentSeq && lastAgentSeq <= state.guestReadSeq}));
  for (const entry of state.outbox.filter((item) => item.ticketId === state.selected)) {
    rows.push({key: `out-${entry.clientMsgId}`, entry, message: {sender: {id: me.id, role: "agent", name: me.name},
      text: entry.text, kind: entry.kind, attachments: []}});
  }
  const wanted = new Set(rows.map((row) => row.key));
  for (const [key, element] of renderedRows) {
    if (!wanted.has(key)) {
      element.remove();
      renderedRows.delete(key);
    }
  }
  let previous = null;
  for (const row of rows) {
    const signature = `${row.entry ? `${row.entry.state}|${row.entry.error}` : ""}|${row.seen}`;
    let element = renderedRows.get(row.key);
    if (!element || element.dataset.signature !== signature) {
      const fresh = renderRow(row);
      fresh.dataset.signature = signature;
      if (element) element.replaceWith(fresh);
      element = fresh;
      renderedRows.set(row.key, element);
    }
    const expected = previous ? previous.nextSibling : ui.messages.firstChild;
    if (expected !== element) ui.messages.insertBefore(element, expected);
    previous = element;
  }
  if (atEnd) ui.messages.scrollTop = ui.messages.scrollHeight;
}

function renderRow({message, entry, seen}) {
  if (message.kind === "event" || message.sender.role === "system") {
    return h("li", {class: "event"}, message.text);
  }
  const side = message.sender.role === "guest" ? "guest" : "agent";
  const classes = [side, message.kind === "note" ? "note" : "", entry ? entry.state : ""].filter(Boolean);
  const meta = h("div", {class: "meta"});
  if (entry && entry.state === "pending") {
    meta.append("Sending…");
  } else if (entry) {
    meta.append(h("span", {class: "error"}, entry.error || "Not sent."), " ",
      entry.retryable
        ? h("button", {type: "button", class: "link", onclick: () => retry(entry)}, "Retry")
        : h("button", {type: "button", class: "link", onclick: () => dismiss(entry)}, "Dismiss"));
  } else {
    meta.append(h("time", {datetime: message.createdAt}, formatWhen(message.createdAt)));
    if (seen) meta.append(" · Seen");
  }
  return h("li", {class: classes.join(" ")},
    h("div", {class: "sender"}, message.kind === "note" ? `Private note · ${message.sender.name}` : message.sender.name),
    h("div", {class: "text"}, message.text),
    message.attachments.length ? h("div", {class: "files"}, ...message.attachments.map((file) =>
      h("a", {href: file.url, target: "_blank", rel: "noopener noreferrer"}, `📎 ${file.name}`))) : null,
    meta);
}

// ------------------------------------------------------------------ replying

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.reply.value.trim();
  if (!text || !state.selected) return;
  /** @type {Outgoing} */
  const entry = {clientMsgId: uuid4(), ticketId: state.selected, text,
    kind: ui.asNote.checked ? "note" : "message", state: "pending"};
  state.outbox.push(entry);
  ui.reply.value = "";
  stopTyping();
  renderMessages();
  ui.messages.scrollTop = ui.messages.scrollHeight;
  queue(entry);
});

ui.reply.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
});

ui.asNote.addEventListener("change", () => {
  ui.composer.classList.toggle("note", ui.asNote.checked);
  ui.reply.placeholder = ui.asNote.checked ? "Write a private note (agents only)…" : "Write a reply…";
  ui.send.textContent = ui.asNote.checked ? "Add note" : "Send";
  stopTyping();
});

/** Sends go one at a time, so the server numbers them in the order they were written. */
function queue(entry) {
  state.sending = state.sending.then(() => deliver(entry));
}

async function deliver(entry) {
  if (!state.outbox.includes(entry)) return;
  try {
    const ack = await emit("chat:message", {ticketId: entry.ticketId, text: entry.text,
      clientMsgId: entry.clientMsgId, kind: entry.kind});
    state.outbox = state.outbox.filter((item) => item !== entry);
    receive([ack.message], true);
    renderMessages();
  } catch (error) {
    if (!state.outbox.includes(entry)) return; // the broadcast confirmed it already
    Object.assign(entry, {state: "failed", error: error.message, retryable: RETRYABLE.has(error.code)});
    if (error.code === "ticket_closed" && currentTicket) renderHeader(Object.assign({}, currentTicket, {status: "closed"}));
    renderMessages();
  }
}

/** Same clientMsgId: the server returns the stored message instead of storing it twice. */
function retry(entry) {
  Object.assign(entry, {state: "pending", error: null});
  renderMessages();
  queue(entry);
}

function retryFailed() {
  for (const entry of state.outbox) if (entry.state === "failed" && entry.retryable) retry(entry);
}

function dismiss(entry) {
  state.outbox = state.outbox.filter((item) => item !== entry);
  renderMessages();
}

ui.reply.addEventListener("input", () => {
  clearTimeout(typingTimer);
  if (ui.asNote.checked || !state.selected) return; // notes are private: no "typing" for them
  if (!ui.reply.value.trim()) {
    stopTyping();
    return;
  }
  if (Date.now() - state.typingSent > 2000) {
    state.typingSent = Date.now();
    socket.emit("typing", {ticketId: state.selected, typing: true}, () => {});
  }
  typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
});

function stopTyping() {
  clearTimeout(typingTimer);
  if (state.typingSent && state.selected) socket.emit("typing", {ticketId: state.selected, typing: false}, () => {});
  state.typingSent = 0;
}
