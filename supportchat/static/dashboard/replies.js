/** The messages on screen and the agent's replies: outbox, retries, typing. */
import {h, uuid4, withLinks} from "../shared/helpers.js";
import {RETRYABLE, emit, formatWhen, me, socket, state, ui} from "./context.js";
import {loadEarlier, loadLater, receive, renderHeader} from "./conversation.js";
import {takeAttachments, uploading} from "./uploads.js";
import {Windowed} from "./window.js";

/** @typedef {import("./context.js").Outgoing} Outgoing */

const TYPING_IDLE_MS = 3000;
const IMAGE = /^image\/(png|jpeg|gif|webp)$/; // raster images are served inline (§3.5)
const LOAD_EARLIER_PX = 400; // this close to the top, the previous page is fetched
let typingTimer = null;
let newCount = 0; // messages that arrived while the agent read further up
let unreadFrom = null; // seq of the first message the agent has not seen, while known

/** The open conversation's rows, windowed (window.js). */
const view = new Windowed(ui.messages, (item) => item.divider
  ? h("li", {class: "divider"}, "New messages") : renderRow(item), {onScroll: scrolled});

function scrolled() {
  if (view.pinned && newCount) {
    newCount = 0;
    updateJumps();
  } else if (unreadFrom !== null) {
    updateJumps();
  }
  const list = ui.messages;
  if (list.scrollTop < LOAD_EARLIER_PX && !ui.loadEarlier.hidden) loadEarlier();
  if (state.later && list.scrollHeight - list.scrollTop - list.clientHeight < LOAD_EARLIER_PX) {
    loadLater();
  }
}

/** Forget the rows on screen (another ticket was opened). */
export function clearRows() {
  view.reset();
  newCount = 0;
  unreadFrom = null;
  updateJumps();
}

/** Where the unread divider goes: the first of `messages` the agent has not seen. */
export function markUnreadFrom(seq) {
  if (unreadFrom === null || seq < unreadFrom) unreadFrom = seq;
}

/** Live messages from others: counted on the pill while the agent reads further up. */
export function arrived(messages) {
  const others = messages.filter((message) => message.sender.id !== me.id);
  if (!others.length) return;
  // The list is windowed, so rows come and go as it scrolls: news is read out from here.
  const last = others[others.length - 1];
  document.getElementById("announcer").textContent = `${last.sender.name}: ${last.text}`;
  if (!view.pinned || document.visibilityState !== "visible") markUnreadFrom(others[0].seq);
  if (!view.pinned) newCount += others.length;
  renderMessages();
}

/** Show the message a search found (its seq), marked, near the top of the view. */
export function showFound(seq) {
  const found = Array.from(state.messages.values()).find((message) => message.seq === seq);
  if (!found) return;
  renderMessages();
  view.scrollToKey(found.id);
  updateJumps();
}

export function scrollToEnd() {
  view.scrollToEnd();
  newCount = 0;
  updateJumps();
}

function updateJumps() {
  ui.newMessages.hidden = !newCount || view.pinned;
  ui.newMessages.textContent = `${newCount} new message${newCount === 1 ? "" : "s"} ↓`;
  const divider = view.nodes.get("unread");
  const box = ui.messages.getBoundingClientRect();
  const shown = divider && divider.getBoundingClientRect().bottom > box.top
    && divider.getBoundingClientRect().top < box.bottom;
  ui.jumpUnread.hidden = unreadFrom === null || Boolean(shown);
}

ui.newMessages.addEventListener("click", scrollToEnd);
ui.jumpUnread.addEventListener("click", () => {
  view.scrollToKey("unread");
  updateJumps();
});

/** Reconcile the log with the state; only the rows near the viewport are in the DOM. */
export function renderMessages() {
  const stored = Array.from(state.messages.values()).sort((a, b) => a.seq - b.seq);
  let lastAgentSeq = 0;
  for (const message of stored) {
    if (message.sender.role === "agent" && message.kind === "message") lastAgentSeq = message.seq;
  }
  const rows = [];
  for (const message of stored) {
    if (message.seq === unreadFrom) rows.push({key: "unread", signature: "", divider: true});
    const seen = message.seq === lastAgentSeq && lastAgentSeq <= state.guestReadSeq;
    const found = message.seq === state.foundSeq;
    rows.push({key: message.id, signature: `${seen}|${found}`, message, seen, found});
  }
  for (const entry of state.outbox.filter((item) => item.ticketId === state.selected)) {
    rows.push({key: `out-${entry.clientMsgId}`, signature: `${entry.state}|${entry.error}`, entry,
      message: {sender: {id: me.id, role: "agent", name: me.name}, text: entry.text,
        kind: entry.kind, attachments: entry.files || []}});
  }
  const ticket = state.currentTicket;
  if (ticket && ticket.id === state.selected && ticket.status === "closed") {
    const text = closedLine(ticket);
    rows.push({key: "closed", signature: text, message: {kind: "event", sender: {role: "system"}, text}});
  }
  view.setItems(rows);
  updateJumps();
}

/** "Closed by Ana · 14:02", the transcript's last line once a ticket is closed. */
export function closedLine(ticket) {
  const who = ticket.closedBy ? ` by ${ticket.closedBy.id === me.id ? "you" : ticket.closedBy.name}` : "";
  return `Closed${who}${ticket.closedAt ? ` · ${formatWhen(ticket.closedAt)}` : ""}`;
}

export function renderRow({message, entry, seen, found}) {
  if (message.kind === "event" || message.sender.role === "system") {
    return h("li", {class: "event"}, message.text);
  }
  const side = message.sender.role === "guest" ? "guest" : "agent";
  const bot = message.sender.role === "bot"; // what the AI wrote, told apart from people
  const classes = [side, bot ? "bot" : "", message.kind === "note" ? "note" : "",
    entry ? entry.state : "", found ? "found" : ""].filter(Boolean);
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
    if (found) meta.append(" · Search match");
  }
  return h("li", {class: classes.join(" "), "data-seq": message.seq},
    h("div", {class: "sender"}, message.kind === "note" ? `Private note · ${message.sender.name}`
      : bot ? `${message.sender.name} · Bot` : message.sender.name),
    h("div", {class: "text"}, ...withLinks(message.text)),
    message.attachments.length ? h("div", {class: "files"}, ...message.attachments.map((file) =>
      h("a", {href: file.url, target: "_blank", rel: "noopener noreferrer"},
        IMAGE.test(file.type || "") ? h("img", {src: file.url, alt: file.name, loading: "lazy"})
          : null, `📎 ${file.name}`))) : null,
    meta);
}

// ------------------------------------------------------------------ replying

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.reply.value.trim();
  if (!state.selected || uploading() || (!text && ui.files.hidden)) return;
  const files = takeAttachments();
  if (!text && !files.length) return;
  /** @type {Outgoing} */
  const entry = {clientMsgId: uuid4(), ticketId: state.selected, text, files,
    kind: ui.asNote.checked ? "note" : "message", state: "pending"};
  state.outbox.push(entry);
  ui.reply.value = "";
  stopTyping();
  unreadFrom = null; // answered: what came before is read
  renderMessages();
  scrollToEnd();
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
export function queue(entry) {
  state.sending = state.sending.then(() => deliver(entry));
}

export async function deliver(entry) {
  if (!state.outbox.includes(entry)) return;
  try {
    const ack = await emit("chat:message", {ticketId: entry.ticketId, text: entry.text,
      clientMsgId: entry.clientMsgId, kind: entry.kind,
      attachments: (entry.files || []).map((file) => file.id)});
    state.outbox = state.outbox.filter((item) => item !== entry);
    receive([ack.message], true);
    renderMessages();
  } catch (error) {
    if (!state.outbox.includes(entry)) return; // the broadcast confirmed it already
    Object.assign(entry, {state: "failed", error: error.message, retryable: RETRYABLE.has(error.code)});
    if (error.code === "ticket_closed") {
      entry.error = "Not sent: this ticket was closed. The customer can open a new conversation.";
      if (state.currentTicket) renderHeader(Object.assign({}, state.currentTicket, {status: "closed"}));
    }
    renderMessages();
  }
}

/** Same clientMsgId: the server returns the stored message instead of storing it twice. */
export function retry(entry) {
  Object.assign(entry, {state: "pending", error: null});
  renderMessages();
  queue(entry);
}

export function retryFailed() {
  for (const entry of state.outbox) if (entry.state === "failed" && entry.retryable) retry(entry);
}

export function dismiss(entry) {
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

export function stopTyping() {
  clearTimeout(typingTimer);
  if (state.typingSent && state.selected) socket.emit("typing", {ticketId: state.selected, typing: false}, () => {});
  state.typingSent = 0;
}
