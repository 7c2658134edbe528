/**
 * The agent's live inbox (templates/agent/dashboard.html): what every part of the page shares —
 * the elements, the state, and the Socket.IO /agent connection, authenticated by the httpOnly
 * token cookie (PROTOCOL.md §4). Needs the vendored Socket.IO client (static/socket.io.min.js)
 * loaded before these modules.
 */

const ACK_TIMEOUT_MS = 10000;
export const PAGE_SIZE = 25;
export const JOIN_LIMIT = 200;
const OFFLINE = "Not connected to the server; this is tried again once the connection is back.";
export const RETRYABLE = new Set(["timeout", "offline", "unavailable", "rate_limited", "internal"]);

/**
 * @typedef {{id: string, status: string, customer: {label: string, verified: boolean,
 *   userIdentifier?: object, metadata?: object}, assignee: ({id: string, name: string}|null),
 *   lastSeq: number, lastMessageAt: string, lastMessagePreview: string, unread: boolean,
 *   previewSeq: number}} Ticket
 * @typedef {{id: string, ticketId: string, seq: number, clientMsgId: (string|null),
 *   sender: {id: string, role: string, name: string}, text: string, kind: string,
 *   attachments: {id: string, name: string, size: number, type: string, url: string}[],
 *   createdAt: string}} Message
 * @typedef {{clientMsgId: string, ticketId: string, text: string, kind: string,
 *   state: ("pending"|"failed"), error?: string, retryable?: boolean}} Outgoing
 */

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const workspace = $("workspace");
export const me = {id: workspace.dataset.agentId, name: workspace.dataset.agentName,
  role: workspace.dataset.agentRole};
export const ui = {
  connection: $("connection"), list: $("ticket-list"), inboxError: $("inbox-error"),
  inboxEmpty: $("inbox-empty"), loadMore: $("load-more"), status: $("filter-status"),
  assigned: $("filter-assigned"), empty: $("conversation-empty"), body: $("conversation-body"),
  sort: $("filter-sort"),
  title: $("ticket-title"), meta: $("ticket-meta"), assign: $("assign"), close: $("close-ticket"),
  error: $("conversation-error"), loadEarlier: $("load-earlier"), messages: $("messages"),
  loadLater: $("load-later"),
  typing: $("typing"), closedNote: $("closed-note"), composer: $("composer"), reply: $("reply"),
  asNote: /** @type {HTMLInputElement} */ ($("as-note")), send: $("send"),
  retryLoad: /** @type {HTMLButtonElement} */ ($("retry-load")),
  newMessages: $("new-messages"), jumpUnread: $("jump-unread"),
  unreadOnly: /** @type {HTMLInputElement} */ ($("filter-unread")),
  attach: /** @type {HTMLInputElement} */ ($("attach")), files: $("composer-files"),
};

/** Everything the page knows; the server is the source of truth, this is its latest answer. */
export const state = {
  /** @type {Map<string, Ticket>} */ tickets: new Map(),
  /** @type {Map<string, number>} how far this agent has read each ticket, at least */
  ownRead: new Map(),
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
  /** @type {Ticket|null} the open ticket as the server last described it */
  currentTicket: null,
  historyFailed: false,
  /** the search match the open ticket was opened at (its seq), highlighted */
  foundSeq: /** @type {number|null} */ (null),
  /** the messages held end before the ticket's latest (it was opened at an older match) */
  later: false,
};

export function formatWhen(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"})
    : date.toLocaleDateString([], {month: "short", day: "numeric"});
}

export function cookie(name) {
  const match = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : "";
}

export function showError(element, message) {
  element.textContent = message || "";
  element.hidden = !message;
}

export const socket = window.io("/agent", {transports: ["websocket", "polling"], tryAllTransports: true});

/** Emit with an acknowledgement; resolves with the ack, rejects with {code, message}. */
export function emit(event, payload) {
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

export function setConnection(text) {
  ui.connection.textContent = text;
}
