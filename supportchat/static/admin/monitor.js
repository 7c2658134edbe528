/**
 * The Monitor (templates/admin/monitor.html): tickets from GET /api/admin/sessions with filters,
 * a ticket's messages (GET /api/admin/messages, notes included) and files (signed links from
 * GET /api/admin/files), and "send as admin" over POST /api/admin/messages.
 */
import {h} from "../shared/helpers.js";
import {api, showError, when} from "./api.js";

const $ = (id) => /** @type {any} */ (document.getElementById(id));
const list = $("sessions");
/** @type {any[]} */
let sessions = [];
let nextCursor = null;
let selected = null;

function matches(ticket, text) {
  if (!text) return true;
  const haystack = [ticket.customer.label, ticket.customer.email, ticket.lastMessagePreview, ticket.id]
    .filter(Boolean).join(" ").toLowerCase();
  return haystack.includes(text.toLowerCase());
}

function renderSessions() {
  const text = $("filter-text").value.trim();
  const shown = sessions.filter((ticket) => matches(ticket, text));
  list.replaceChildren(...shown.map((ticket) => h("li", {"data-ticket-id": ticket.id},
    h("button", {type: "button", class: "link", "aria-current": ticket.id === selected ? "true" : null,
      onclick: () => open(ticket)}, ticket.customer.label),
    h("div", {class: "meta"}, `${ticket.status} · ${when(ticket.lastMessageAt)} · ${ticket.lastMessagePreview || ""}`))));
  $("sessions-empty").hidden = shown.length > 0;
  $("sessions-more").hidden = !nextCursor;
}

async function loadSessions(more = false) {
  const params = new URLSearchParams({status: $("filter-status").value, limit: "50"});
  if (more && nextCursor) params.set("cursor", nextCursor);
  const answer = await api("GET", `/api/admin/sessions?${params}`);
  showError($("session-filters"), $("sessions-error"), answer.error);
  if (!answer.ok) return;
  sessions = more ? [...sessions, ...answer.data.sessions] : answer.data.sessions;
  nextCursor = answer.data.nextCursor;
  renderSessions();
  list.dataset.ready = "true";
}

function messageItem(message) {
  const role = message.sender.role;
  return h("li", {class: [role === "guest" ? "guest" : "agent", message.kind].join(" ")},
    h("div", {class: "sender"}, `${message.kind === "note" ? "Private note · " : ""}${message.sender.name || role} · ${when(message.createdAt)}`),
    h("div", {class: "text"}, message.text),
    message.attachments.length ? h("div", {class: "files"},
      ...message.attachments.map((file) => h("a", {href: file.url, target: "_blank", rel: "noopener"}, file.name))) : null);
}

async function open(ticket) {
  selected = ticket.id;
  renderSessions();
  $("ticket-heading").textContent = ticket.customer.label;
  $("ticket-meta").textContent = `${ticket.status} · opened ${when(ticket.createdAt)} · ${ticket.assignee ? `assigned to ${ticket.assignee.name}` : "unassigned"}`;
  const id = encodeURIComponent(ticket.id);
  const [messages, files] = await Promise.all([
    api("GET", `/api/admin/messages?conversationId=${id}&limit=200`),
    api("GET", `/api/admin/files?ticketId=${id}&limit=100`),
  ]);
  if (selected !== ticket.id) return;
  const error = messages.error || files.error;
  $("ticket-error").textContent = error ? error.message : "";
  $("ticket-error").hidden = !error;
  $("ticket-detail").hidden = false;
  $("monitor-messages").replaceChildren(...(messages.ok ? messages.data.messages.map(messageItem) : []));
  const stored = files.ok ? files.data.files : [];
  $("monitor-files").replaceChildren(...stored.map((file) => h("li", null,
    h("a", {href: file.url, target: "_blank", rel: "noopener"}, file.name), ` (${Math.ceil(file.size / 1024)} KB, ${when(file.createdAt)})`)));
  $("files-empty").hidden = stored.length > 0;
}

$("admin-send").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("admin-text").value.trim();
  if (!text || !selected) return;
  const answer = await api("POST", "/api/admin/messages", {conversationId: selected, text});
  const error = answer.missing
    ? {code: "not_found", message: "This server cannot send from the Monitor yet; answer from the inbox."}
    : answer.error;
  showError($("admin-send"), $("send-error"), error);
  if (!answer.ok) return;
  $("admin-text").value = "";
  $("monitor-messages").append(messageItem(answer.data.message));
});
$("filter-status").addEventListener("change", () => loadSessions());
$("filter-text").addEventListener("input", renderSessions);
$("session-filters").addEventListener("submit", (event) => event.preventDefault());
$("sessions-more").addEventListener("click", () => loadSessions(true));

await loadSessions();
