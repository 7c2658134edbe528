/** The Widget's sending side (methods of Widget, chat.js): the outbox, typing and uploads. */
import {asChatError} from "./errors.js";
import {OUTBOX_KEY, SESSION_KEY, browser} from "./identity.js";
import {httpHeaders, request} from "./net.js";
import {sendThrough} from "./outbox.js";
import {formatSize, t} from "./strings.js";

const UPLOAD_TIMEOUT_MS = 120000;
const TYPING_IDLE_MS = 3000;
const storage = browser.storage;

/** @typedef {import("./chat.js").Widget} Widget */

export const sendingMethods = {
  /** @this {Widget} @returns {import("./polling.js").SendPayload} */
  payload(entry) {
    const payload = {
      clientId: this.clientId, sessionId: this.session.sessionId, message: entry.text,
      metadata: {page: location.origin + location.pathname, language: navigator.language},
      clientMsgId: entry.clientMsgId, attachments: entry.attachments.map((file) => file.id),
    };
    const answers = this.answers || {userIdentifier: {}, metadata: {}};
    const identifier = Object.assign({}, answers.userIdentifier, this.options.userIdentifier);
    if (Object.keys(identifier).length) payload.userIdentifier = identifier;
    if (Object.keys(answers.metadata).length) payload.metadata.preChat = answers.metadata;
    if (this.options.identifierHash) payload.identifierHash = this.options.identifierHash;
    return payload;
  },

  /** @this {Widget} */
  submit() {
    const text = this.input.value.trim();
    if ((!text && !this.files.length) || this.status === "closed") return;
    if (this.files.some((file) => file.uploading)) {
      this.sendWhenUploaded = true;
      return;
    }
    if (this.offline && !this.session.ticketId) {
      const email = this.offline.email();
      if (email === null) return;
      if (email) {
        this.answers = this.answers || {userIdentifier: {}, metadata: {}};
        this.answers.userIdentifier.email = email;
      }
    }
    this.outbox.add(text, this.files.splice(0));
    this.saveOutbox();
    this.input.value = "";
    this.autoSize();
    this.stopTyping();
    this.render();
    this.scrollToEnd(true);
    this.flush();
  },

  /** Send the outbox in order, one at a time, so the server numbers messages as typed. @this {Widget} */
  async flush() {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let entry = this.outbox.next(); entry && this.status !== "closed"; entry = this.outbox.next()) {
        await this.deliver(entry);
      }
    } finally {
      this.flushing = false;
    }
  },

  /** @this {Widget} */
  async deliver(entry) {
    const outcome = await sendThrough(this.plugins, (payload) => this.transport.send(payload),
      this.payload(entry), entry, this.transportOptions);
    if ("aborted" in outcome) {
      this.outbox.remove(entry);
      this.saveOutbox();
      this.render();
    } else if ("error" in outcome) {
      this.failed(entry, outcome.error);
    } else {
      this.sent(entry, outcome.response);
    }
  },

  /** @this {Widget} @param {import("./polling.js").SendResult} response */
  sent(entry, response) {
    this.outbox.remove(entry);
    this.saveOutbox();
    const newTicket = Boolean(response.ticketId) && response.ticketId !== this.session.ticketId;
    if (newTicket) {
      this.session.ticketId = response.ticketId;
      storage.set(SESSION_KEY, this.session);
    }
    const replies = response.replies || [];
    if (response.message) {
      this.receive([response.message, ...replies], {status: response.status, live: true});
      if (newTicket) this.transport.resync(); // the polling transport starts listening now
    } else {
      // A plugin answered instead of the server: show the message, store nothing.
      this.localMessages.push({id: `local-${entry.clientMsgId}`, seq: this.lastSeq + 0.5,
        clientMsgId: entry.clientMsgId, sender: {role: "guest", name: "You"}, text: entry.text,
        attachments: entry.attachments, kind: "message", createdAt: entry.createdAt});
    }
    // `reply` is an automatic answer the server returned without storing it as a message.
    if (response.reply && !replies.some((message) => message.text === response.reply)) {
      const after = response.message ? response.message.seq : this.lastSeq;
      this.localMessages.push({id: `local-reply-${entry.clientMsgId}`, seq: after + 0.75,
        sender: {role: "bot", name: this.options.title}, text: String(response.reply),
        attachments: [], kind: "message", createdAt: new Date().toISOString()});
    }
    this.render();
  },

  /** @this {Widget} */
  failed(entry, error) {
    if (!this.outbox.entries.includes(entry)) return; // the broadcast already confirmed it
    const retryInMs = this.outbox.fail(entry, error, this.transportOptions);
    this.plugins.notify("onTelemetry", {type: "send_failed", code: error.code, attempts: entry.attempts});
    if (error.code === "ticket_closed") this.setStatus("closed");
    if (retryInMs !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.retryFailed(), retryInMs);
    }
    this.saveOutbox();
    this.render();
  },

  /** Put every retryable failure (or `only`) back in line and send; same clientMsgId, no
   * duplicates. @this {Widget} */
  retryFailed(only) {
    this.outbox.requeue(only);
    this.render();
    this.flush();
  },

  /** @this {Widget} */
  dismiss(entry) {
    this.outbox.remove(entry);
    this.saveOutbox();
    this.render();
  },

  /** @this {Widget} */
  saveOutbox() {
    storage.set(OUTBOX_KEY, this.outbox.toStored());
  },

  /** @this {Widget} */
  onInput() {
    this.autoSize();
    if (!this.transport.typing || this.status === "closed") return;
    clearTimeout(this.typingTimer);
    if (!this.input.value.trim()) {
      this.stopTyping();
      return;
    }
    if (Date.now() - this.typingSent > 2000) {
      this.typingSent = Date.now();
      this.transport.typing(true);
    }
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  },

  /** @this {Widget} */
  stopTyping() {
    clearTimeout(this.typingTimer);
    if (this.typingSent && this.transport.typing) this.transport.typing(false);
    this.typingSent = 0;
  },

  /** Files picked, dropped or pasted: each uploads at once, except those over the server's
   * limit, which are refused here rather than after they are sent.
   * @this {Widget} @param {Iterable<File>} files */
  upload(files) {
    const maxMb = this.server.config && this.server.config.upload && this.server.config.upload.maxMb;
    const limit = maxMb ? maxMb * 1024 * 1024 : Infinity;
    const tooLarge = [];
    for (const file of files) {
      if (file.size <= limit) this.uploadOne(file);
      else tooLarge.push(t("tooLarge", {name: file.name, size: formatSize(file.size), max: formatSize(limit)}));
    }
    this.showAlert(tooLarge.length ? tooLarge.join(" ") : null);
  },

  /** @this {Widget} @param {File} file */
  async uploadOne(file) {
    const chip = {name: file.name, uploading: true};
    this.files.push(chip);
    this.renderChips();
    try {
      const payload = this.payload({clientMsgId: "", text: "", attachments: []});
      const ticketId = this.transport.ensureTicket ? await this.transport.ensureTicket(payload) : null;
      if (ticketId && ticketId !== this.session.ticketId) {
        this.session.ticketId = ticketId;
        storage.set(SESSION_KEY, this.session);
      }
      const form = new FormData();
      form.append("file", file);
      form.append("sessionId", this.session.sessionId);
      form.append("clientId", this.clientId);
      const body = await request(this.uploadUrl, {method: "POST", body: form,
        headers: httpHeaders(this.transportOptions, this.clientId), timeoutMs: UPLOAD_TIMEOUT_MS});
      Object.assign(chip, body.file, {uploading: false});
    } catch (error) {
      this.files.splice(this.files.indexOf(chip), 1);
      this.showAlert(`${file.name}: ${asChatError(error).message}`);
      this.sendWhenUploaded = false; // not without the file the customer meant to send
    }
    this.renderChips();
    if (this.sendWhenUploaded && !this.files.some((other) => other.uploading)) {
      this.sendWhenUploaded = false;
      this.submit();
    }
  },
};
