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
import {t} from "./strings.js";
import {uuid4} from "../shared/helpers.js";

const TYPING_SHOWN_MS = 6000;
/** Connection states named under the title (none while connected). */
const SHOWN_STATES = ["connecting", "reconnecting", "disconnected"];
const storage = browser.storage;

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
    this.connectionState = "";
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
    this.showAlert(null); // a refused site's notice (view.js)
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
    if (focus) this.firstField().focus();
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
    this.unread = 0;
    this.previewText = "";
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
    const known = this.lastSeq > 0; // not the history of a conversation picked up again
    if (info.live && fresh[0].seq > this.lastSeq + 1) {
      this.plugins.notify("onTelemetry", {type: "gap", expected: this.lastSeq + 1, got: fresh[0].seq});
      this.transport.resync();
      return;
    }
    // Bookkeeping first, synchronously, so a message arriving meanwhile is judged correctly.
    let theirs = 0;
    let latest = null;
    for (const message of fresh) {
      this.messages.set(message.id, message);
      this.lastSeq = Math.max(this.lastSeq, message.seq);
      if (message.sender.role === "guest") this.outbox.confirm(message.clientMsgId);
      else {
        theirs += 1;
        if (message.text) this.previewText = message.text;
        if (message.kind === "message") latest = message;
      }
    }
    if (latest && known && !this.isOpen) this.answeredWhileClosed(latest);
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
    const writing = this.root.activeElement === this.input;
    this.status = status;
    if (status === "closed") {
      this.outbox.closeAll();
      this.saveOutbox();
      this.offerRating();
    }
    this.render();
    if (writing && status === "closed") this.newButton.focus(); // the composer is gone
  }

  markRead() {
    if (!this.isOpen || document.visibilityState !== "visible" || this.lastSeq <= this.readSent) return;
    this.readSent = this.lastSeq;
    if (this.transport.read) this.transport.read(this.lastSeq);
  }

  peerTyping(event) {
    clearTimeout(this.peerTypingTimer);
    const show = Boolean(event.typing) && event.sender && event.sender.role !== "guest";
    this.typingLabel.textContent = show ? t("typing", {name: event.sender.name || t("support")}) : "";
    this.typingRow.hidden = !show;
    if (show) this.peerTypingTimer = setTimeout(() => this.peerTyping({typing: false}), TYPING_SHOWN_MS);
  }

  /** A reply while the panel is closed: told to screen readers (the log is hidden then) and,
   * with the `sound` option, a short tone. @param {object} message */
  answeredWhileClosed(message) {
    this.announcer.textContent = t("announce", {name: message.sender.name || t("support"),
      text: message.text || ""});
    if (this.options.sound) import("./sound.js").then(({chime}) => chime());
  }

  connection(event) {
    this.plugins.notify("onConnectionEvent", event);
    this.connectionState = event.state;
    this.showState();
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
    this.connectionState = "";
    this.showState();
    this.showAlert(error.message);
  }

  /** The connection's state under the title, in the current language. */
  showState() {
    const state = this.connectionState;
    this.statusLine.textContent = SHOWN_STATES.includes(state) ? t(state) : "";
  }

  /** Everything shown again in the current language (SupportChat.setLocale). */
  relabel() {
    this.relabelView();
    this.showState();
    if (this.server.refused) this.showAlert(null); // the refusal, in the new language
  }
}

Object.assign(Widget.prototype, sendingMethods, viewMethods, offerMethods, {
  /** A message's payload; its metadata carries the page's custom attributes
   * (`setCustomAttributes`, PROTOCOL.md §5). @this {Widget} */
  payload(entry) {
    const payload = sendingMethods.payload.call(this, entry);
    payload.metadata = Object.assign({}, this.options.customAttributes, payload.metadata);
    return payload;
  },
});
