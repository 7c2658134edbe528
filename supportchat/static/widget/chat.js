/**
 * The conversation, loaded on first open (or at once when this browser has one going): the
 * transport, the messages and their order, typing and read state. Sending is in sending.js,
 * the panel's DOM in view.js; both are methods of this class.
 */
import {TRANSPORT_DEFAULTS} from "./options.js";
import {OUTBOX_KEY, browser, loadClientId, loadSession, newSession, writeClientId} from "./identity.js";
import {Outbox} from "./outbox.js";
import {pollingTransport} from "./polling.js";
import {failover} from "./failover.js";
import {acceptFiles} from "./drop.js";
import {offerMethods} from "./offers.js";
import {sendingMethods} from "./sending.js";
import {viewMethods} from "./view.js";
import {uuid4} from "../shared/helpers.js";

const TYPING_SHOWN_MS = 6000;
const storage = browser.storage;

/** Why nothing works when the support server does not accept this site (ALLOWED_ORIGINS). */
function refusedMessage() {
  return `The chat is not available on this website: the support server does not accept `
    + `${location.origin}. If you run this site, ask the support team to allow it.`;
}

export class Widget {
  /**
   * @param {Object<string, any>} options the merged options
   * @param {import("./plugins.js").Plugins} plugins
   * @param {import("./launcher.js").Shell} shell the host and launcher already on the page
   * @param {{config: object|null, refused: boolean}} [server] what /api/chat/config said
   */
  constructor(options, plugins, shell, server = {config: null, refused: false}) {
    this.options = options;
    this.server = server;
    this.apiUrl = new URL(options.apiUrl, location.href).toString().replace(/\/$/, "");
    this.uploadUrl = new URL(options.uploadUrl || `${this.apiUrl}/upload`, location.href).toString();
    this.serverUrl = new URL(this.apiUrl).origin;
    this.transportOptions = Object.assign({}, TRANSPORT_DEFAULTS, options.transportOptions,
      {pollIntervalMs: options.pollIntervalMs});
    this.plugins = plugins;
    Object.assign(this, shell);
    this.clientId = loadClientId();
    this.session = loadSession();
    /** @type {Map<string, object>} stored messages by id */
    this.messages = new Map();
    this.outbox = new Outbox(storage.get(OUTBOX_KEY));
    this.lastSeq = 0;
    this.status = "open";
    this.botActive = false; // AI replies answer (PROTOCOL.md §3.9): "Talk to a person" shows
    this.agentReadSeq = 0;
    this.readSent = 0;
    this.unread = 0;
    this.rated = false;
    /** @type {HTMLElement|null} the pre-chat form, until it is answered */
    this.gate = null;
    /** @type {{element: HTMLElement, email: () => string|null}|null} while nobody is online */
    this.offline = null;
    /** @type {{userIdentifier: object, metadata: object}|null} the pre-chat form's answers */
    this.answers = null;
    /** @type {HTMLElement|null} the rating prompt while a closed conversation is shown */
    this.ratingBox = null;
    this.isOpen = false;
    this.files = [];
    this.flushing = false;
    this.retryTimer = null;
    this.typingTimer = null;
    this.typingSent = 0;
    this.peerTypingTimer = null;
    this.elements = new Map();
    /** @type {object[]} answers a plugin gave instead of the server; never stored */
    this.localMessages = [];
  }

  // ---- lifecycle

  mount() {
    this.build();
    acceptFiles(this);
    this.onVisibility = () => this.markRead();
    document.addEventListener("visibilitychange", this.onVisibility);
    this.render();
    if (this.server.refused) this.showAlert(refusedMessage());
    this.offerForms();
    this.startTransport();
    if (this.outbox.entries.length) this.retryFailed();
  }

  destroy() {
    this.transport.stop();
    clearTimeout(this.retryTimer);
    clearTimeout(this.typingTimer);
    clearTimeout(this.peerTypingTimer);
    document.removeEventListener("visibilitychange", this.onVisibility);
  }

  startTransport() {
    const kind = this.options.transport;
    /** @type {import("./polling.js").Transport} */
    let transport = null;
    const current = (handler) => (...args) => {
      if (this.transport === transport) handler(...args);
    };
    /** @type {import("./polling.js").TransportContext} */
    const ctx = {
      apiUrl: this.apiUrl, uploadUrl: this.uploadUrl, serverUrl: this.serverUrl,
      options: this.transportOptions,
      clientId: () => this.clientId,
      session: () => Object.assign({}, this.session),
      lastSeq: () => this.lastSeq,
      on: {
        messages: current((list, info) => this.receive(list, info)),
        ticket: current((ticket) => {
          this.botActive = Boolean(ticket.botActive);
          if (ticket.rating) this.rated = true;
          this.setStatus(ticket.status);
          this.render();
        }),
        typing: current((event) => this.peerTyping(event)),
        read: current((event) => {
          if (event.role === "agent") {
            this.agentReadSeq = Math.max(this.agentReadSeq, event.seq);
            this.render();
          }
        }),
        connection: current((event) => this.connection(event)),
        telemetry: current((event) => this.plugins.notify("onTelemetry", event)),
        error: current((error) => this.transportError(error)),
      },
    };
    transport = typeof kind === "function" ? kind(ctx)
      : kind === "websocket" ? failover(ctx) : pollingTransport(ctx);
    this.transport = transport;
    transport.start();
  }

  restartTransport() {
    this.transport.stop();
    this.startTransport();
  }

  // ---- opening and closing

  /** @param {boolean} [focus] move focus into the panel (not when the page opens it itself) */
  open(focus = true) {
    if (this.isOpen) return;
    this.isOpen = true;
    this.unread = 0;
    this.render();
    if (focus) (this.gate ? this.gate.querySelector("input, textarea") : this.input).focus();
    this.scrollToEnd();
    this.markRead();
    this.plugins.notify("onWidgetOpen");
  }

  close() {
    if (!this.isOpen || this.host.dataset.mode === "inline") return;
    this.isOpen = false;
    this.render();
    this.launcher.focus();
    this.plugins.notify("onWidgetClose");
  }

  // ---- identity

  rotateIdentity() {
    this.clientId = writeClientId(uuid4());
    this.startConversation();
    return this.clientId;
  }

  /** Forget the current conversation and begin a new one (new sessionId). */
  startConversation() {
    this.session = newSession();
    this.messages.clear();
    this.localMessages = [];
    this.outbox = new Outbox();
    this.lastSeq = 0;
    this.agentReadSeq = 0;
    this.readSent = 0;
    this.status = "open";
    this.rated = false;
    if (this.ratingBox) this.ratingBox.remove();
    this.ratingBox = null;
    this.answers = null;
    this.showAlert(null);
    this.restartTransport();
    this.render();
    this.offerForms();
  }

  // ---- receiving

  /** Merge messages from the server: deduplicated by id, ordered by seq; a gap in a live
   * message asks the transport for what was missed. */
  async receive(list, info) {
    if (info.status) this.setStatus(info.status);
    const fresh = (list || []).filter((message) => message && message.ticketId === this.session.ticketId
      && !this.messages.has(message.id) && message.kind !== "note");
    if (!fresh.length) return;
    fresh.sort((a, b) => a.seq - b.seq);
    if (info.live && fresh[0].seq > this.lastSeq + 1) {
      this.plugins.notify("onTelemetry", {type: "gap", expected: this.lastSeq + 1, got: fresh[0].seq});
      this.transport.resync();
      return;
    }
    // Bookkeeping first, synchronously, so a message arriving meanwhile is judged correctly.
    let theirs = 0;
    for (const message of fresh) {
      this.messages.set(message.id, message);
      this.lastSeq = Math.max(this.lastSeq, message.seq);
      if (message.sender.role === "guest") this.outbox.confirm(message.clientMsgId);
      else {
        theirs += 1;
        if (message.text) this.previewText = message.text;
      }
    }
    this.saveOutbox();
    if (!this.isOpen || document.visibilityState !== "visible") this.unread += theirs;
    if (theirs) this.peerTyping({typing: false});
    // Plugins may enrich what is shown; order and identity stay the server's.
    for (const message of await this.plugins.messages(fresh)) {
      if (message && this.messages.has(message.id)) this.messages.set(message.id, message);
    }
    this.render();
    this.markRead();
  }

  setStatus(status) {
    if (!status || status === this.status) return;
    this.status = status;
    if (status === "closed") {
      this.outbox.closeAll();
      this.saveOutbox();
      if (this.root.activeElement === this.input) this.newButton.focus();
      this.offerRating();
    }
    this.render();
  }

  markRead() {
    if (!this.isOpen || document.visibilityState !== "visible" || this.lastSeq <= this.readSent) return;
    this.readSent = this.lastSeq;
    if (this.transport.read) this.transport.read(this.lastSeq);
  }

  peerTyping(event) {
    clearTimeout(this.peerTypingTimer);
    const show = Boolean(event.typing) && event.sender && event.sender.role !== "guest";
    this.typingLabel.textContent = show ? `${event.sender.name || "Support"} is typing…` : "";
    this.typingRow.hidden = !show;
    if (show) this.peerTypingTimer = setTimeout(() => this.peerTyping({typing: false}), TYPING_SHOWN_MS);
  }

  connection(event) {
    this.plugins.notify("onConnectionEvent", event);
    const labels = {connecting: "Connecting…", connected: "", reconnecting: "Reconnecting…",
      disconnected: "Offline — reconnecting…"};
    this.statusLine.textContent = labels[event.state] || "";
    if (event.state === "connected") {
      this.showAlert(null);
      this.retryFailed();
    }
  }

  transportError(error) {
    if (error.code === "not_found") {
      // The stored conversation is not this browser's any more (identity rotated, data
      // removed): start afresh rather than showing an error the customer cannot fix.
      this.startConversation();
      return;
    }
    this.statusLine.textContent = "";
    this.showAlert(this.server.refused ? refusedMessage() : error.message);
  }
}

Object.assign(Widget.prototype, sendingMethods, viewMethods, offerMethods);
