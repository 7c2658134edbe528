/**
 * The conversation, loaded on first open (or at once when this browser has one going): its
 * state, the transport, opening and closing, a new conversation. Receiving is in
 * receiving.js, sending in sending.js, the panel's DOM in view.js: all methods of this class.
 */
import {TRANSPORT_DEFAULTS} from "./options.js";
import {OUTBOX_KEY, browser, loadClientId, loadSession, newSession, writeClientId} from "./identity.js";
import {Outbox} from "./outbox.js";
import {pollingTransport} from "./polling.js";
import {failover} from "./failover.js";
import {acceptFiles} from "./drop.js";
import {offerMethods} from "./offers.js";
import {receivingMethods} from "./receiving.js";
import {sendingMethods} from "./sending.js";
import {viewMethods} from "./view.js";
import {uuid4} from "../shared/helpers.js";

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
    /** Send was pressed while a file was uploading: send once the uploads are done. */
    this.sendWhenUploaded = false;
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
    this.scrollToEnd(true); // opening shows the newest message
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

  /** Everything shown again in the current language (SupportChat.setLocale). */
  relabel() {
    this.relabelView();
    this.showState();
    if (this.server.refused) this.showAlert(null); // the refusal, in the new language
  }
}

Object.assign(Widget.prototype, receivingMethods, sendingMethods, viewMethods, offerMethods, {
  /** A message's payload; its metadata carries the page's custom attributes
   * (`setCustomAttributes`, PROTOCOL.md §5). @this {Widget} */
  payload(entry) {
    const payload = sendingMethods.payload.call(this, entry);
    payload.metadata = Object.assign({}, this.options.customAttributes, payload.metadata);
    return payload;
  },
});
