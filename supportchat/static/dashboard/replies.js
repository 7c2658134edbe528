/** The messages on screen and the agent's replies: outbox, retries, typing. */
import {h, uuid4} from "../shared/helpers.js";
import {RETRYABLE, emit, formatWhen, me, socket, state, ui} from "./context.js";
import {receive, renderHeader} from "./conversation.js";

/** @typedef {import("./context.js").Outgoing} Outgoing */

const TYPING_IDLE_MS = 3000;
/** @type {Map<string, HTMLElement>} message rows on screen, by key */
const renderedRows = new Map();
let typingTimer = null;

/** Forget the rows on screen (another ticket was opened). */
export function clearRows() {
  renderedRows.clear();
}

/** Reconcile the log with the state, keeping existing nodes so screen readers hear only news. */
export function renderMessages() {
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

export function renderRow({message, entry, seen}) {
  if (message.kind === "event" || message.sender.role === "system") {
    return h("li", {class: "event"}, message.text);
  }
  const side = message.sender.role === "guest" ? "guest" : "agent";
  const bot = message.sender.role === "bot"; // what the AI wrote, told apart from people
  const classes = [side, bot ? "bot" : "", message.kind === "note" ? "note" : "",
    entry ? entry.state : ""].filter(Boolean);
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
    h("div", {class: "sender"}, message.kind === "note" ? `Private note · ${message.sender.name}`
      : bot ? `${message.sender.name} · Bot` : message.sender.name),
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
export function queue(entry) {
  state.sending = state.sending.then(() => deliver(entry));
}

export async function deliver(entry) {
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
    if (error.code === "ticket_closed" && state.currentTicket) renderHeader(Object.assign({}, state.currentTicket, {status: "closed"}));
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
