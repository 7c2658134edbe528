/** The Widget's receiving side (methods of Widget, chat.js): messages from the server in
 * order, the ticket's status, read and typing state, and the connection's state. */
import {t} from "./strings.js";

const TYPING_SHOWN_MS = 6000;
/** Connection states named under the title (none while connected). */
const SHOWN_STATES = ["connecting", "reconnecting", "disconnected"];

/** @typedef {import("./chat.js").Widget} Widget */

export const receivingMethods = {
  /** @this {Widget} Merge messages from the server: deduplicated by id, ordered by seq; a
   * gap in a live message asks the transport for what was missed. */
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
  },

  /** @this {Widget} */
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
  },

  /** @this {Widget} */
  markRead() {
    if (!this.isOpen || document.visibilityState !== "visible" || this.lastSeq <= this.readSent) return;
    this.readSent = this.lastSeq;
    if (this.transport.read) this.transport.read(this.lastSeq);
  },

  /** @this {Widget} */
  peerTyping(event) {
    clearTimeout(this.peerTypingTimer);
    const show = Boolean(event.typing) && event.sender && event.sender.role !== "guest";
    this.typingLabel.textContent = show ? t("typing", {name: event.sender.name || t("support")}) : "";
    this.typingRow.hidden = !show;
    if (show) this.peerTypingTimer = setTimeout(() => this.peerTyping({typing: false}), TYPING_SHOWN_MS);
  },

  /** @this {Widget} A reply while the panel is closed: told to screen readers (the log is
   * hidden then) and, with the `sound` option, a short tone. @param {object} message */
  answeredWhileClosed(message) {
    this.announcer.textContent = t("announce", {name: message.sender.name || t("support"),
      text: message.text || ""});
    if (this.options.sound) import("./sound.js").then(({chime}) => chime());
  },

  /** @this {Widget} */
  connection(event) {
    this.plugins.notify("onConnectionEvent", event);
    this.connectionState = event.state;
    this.showState();
    if (event.state === "connected") {
      this.showAlert(null);
      this.retryFailed();
    }
  },

  /** @this {Widget} */
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
  },

  /** @this {Widget} The connection's state under the title, in the current language. */
  showState() {
    const state = this.connectionState;
    this.statusLine.textContent = SHOWN_STATES.includes(state) ? t(state) : "";
  },
};
