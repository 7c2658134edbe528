/** The Widget's panel (methods of Widget, chat.js): built on first open, then kept in step. */
import {h, withLinks} from "../shared/helpers.js";
import {ICONS, adoptStyles, icon, labelLauncher} from "./launcher.js";
import {PANEL_STYLES} from "./styles.js";
import {formatSize, locale, relabel, t} from "./strings.js";

/** @typedef {import("./chat.js").Widget} Widget */

/** @param {string} iso */
function formatTime(iso) {
  return new Date(iso).toLocaleTimeString(locale(), {hour: "2-digit", minute: "2-digit"});
}

export const viewMethods = {
  /** The panel, in the launcher's shadow root. @this {Widget} */
  build() {
    adoptStyles(this.root, PANEL_STYLES);
    const title = String(this.options.title);
    this.statusLine = h("p", {class: "status", role: "status"});
    this.list = h("ol");
    this.log = h("div", {class: "log", part: "log", role: "log", "aria-live": "polite",
      "data-t-label": "messages", tabindex: "0"}, this.list);
    this.hint = h("p", {class: "hint", "data-t": "hint"});
    this.typingLabel = h("span");
    this.typingRow = h("div", {class: "typing", hidden: true, "aria-live": "polite"},
      h("span", {class: "dots", "aria-hidden": "true"}, h("i"), h("i"), h("i")), this.typingLabel);
    this.alert = h("div", {class: "alert", role: "alert", hidden: true});
    this.newButton = h("button", {type: "button", class: "primary",
      onclick: () => {
        // What could not be sent to the closed conversation is not lost: it waits, unsent, in
        // the new one's message box, before anything still typed there.
        const unsent = this.outbox.entries.filter((entry) => entry.state === "failed")
          .map((entry) => entry.text);
        this.startConversation();
        this.input.value = [...unsent, this.input.value.trim()].filter(Boolean).join("\n\n");
        this.autoSize();
        this.input.focus();
      }, "data-t": "newChat"});
    this.handoffButton = h("button", {type: "button", class: "link-button handoff", hidden: true,
      onclick: () => this.requestPerson(), "data-t": "person"});
    this.closedBox = h("div", {class: "closed", part: "closed", hidden: true},
      h("p", {"data-t": "closed"}), this.newButton);
    this.input = h("textarea", {id: "cs-input", rows: "1", "data-t-placeholder": "write",
      "data-t-label": "message",
      oninput: () => this.onInput(),
      onkeydown: (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submit();
        }
      }});
    this.fileInput = h("input", {type: "file", multiple: true, hidden: true, tabindex: "-1",
      onchange: () => {
        this.upload(Array.from(this.fileInput.files || []));
        this.fileInput.value = "";
      }});
    this.chips = h("div", {class: "chips"});
    this.sendButton = h("button", {type: "submit", class: "control send", "data-t-label": "send"},
      icon(...ICONS.send));
    this.composer = h("form", {class: "composer", part: "composer",
      onsubmit: (event) => {
        event.preventDefault();
        this.submit();
      }},
    this.chips, this.input, this.fileInput,
    h("button", {type: "button", class: "control", "data-t-label": "attach",
      onclick: () => this.fileInput.click()}, icon(...ICONS.attach)),
    this.sendButton);
    this.panel = h("section", {id: "cs-panel", class: "panel", part: "panel", role: "dialog",
      "aria-label": title, hidden: true,
      onkeydown: (event) => {
        if (event.key === "Escape") this.close();
      }},
    h("div", {class: "head", part: "header"},
      h("div", {class: "titles"}, h("h2", {}, title), this.statusLine),
      h("button", {type: "button", class: "icon-button", "data-t-label": "closeChat",
        onclick: () => this.close()}, icon(...ICONS.close))),
    this.alert, this.hint, this.log, this.typingRow, this.handoffButton, this.closedBox,
    this.composer);
    this.root.insertBefore(this.panel, this.launcher);
    // While closed, the latest answer shows beside the launcher (pressing it opens the chat)
    // and is read out from the announcer. After the launcher: the panel + launcher CSS stays.
    this.previewLabel = h("span");
    this.preview = h("button", {type: "button", class: "preview", part: "preview", hidden: true,
      onclick: () => this.open()}, h("span", {class: "sr-only", "data-t": "newMessage"}), " ",
    this.previewLabel);
    this.announcer = h("div", {class: "sr-only", role: "status"});
    this.root.append(this.preview, this.announcer);
    relabel(this.root);
  },

  /** The panel's words again, in the current language. @this {Widget} */
  relabelView() {
    relabel(this.root);
    for (const element of this.elements.values()) element.remove();
    this.elements.clear(); // the rows are built again
    this.render();
  },

  /** The panel's notice, none for null; on a site the server does not accept (ALLOWED_ORIGINS)
   * always that refusal, whatever else happens. @this {Widget} */
  showAlert(message) {
    const shown = this.server.refused ? t("refused", {origin: location.origin}) : message;
    this.alert.textContent = shown || "";
    this.alert.hidden = !shown;
  },

  /** @this {Widget} */
  autoSize() {
    this.input.style.height = "auto";
    this.input.style.height = `${this.input.scrollHeight + 2}px`;
  },

  /** @this {Widget} */
  scrollToEnd(force) {
    const nearEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    if (force || nearEnd) this.log.scrollTop = this.log.scrollHeight;
  },

  /** @this {Widget} */
  render() {
    const inline = this.host.dataset.mode === "inline";
    this.panel.hidden = !this.isOpen;
    this.launcher.hidden = inline;
    this.launcher.setAttribute("aria-expanded", String(this.isOpen));
    this.launcher.replaceChildren(icon(...(this.isOpen ? ICONS.close : ICONS.chat)), this.badge);
    this.badge.hidden = this.unread === 0 || this.isOpen;
    this.badge.textContent = this.unread > 9 ? "9+" : String(this.unread);
    this.preview.hidden = inline || this.isOpen || !this.unread || !this.previewText;
    this.previewLabel.textContent = this.previewText || "";
    labelLauncher(this.launcher, this.options.title, this.isOpen, this.unread);
    const closed = this.status === "closed";
    this.closedBox.hidden = !closed;
    // A site the server does not accept cannot send: no message box to type into in vain.
    this.composer.hidden = closed || Boolean(this.gate) || this.server.refused;
    this.handoffButton.hidden = closed || !this.botActive || !this.transport.handoff;
    if (this.offline && this.session.ticketId) {
      this.offline.element.remove();
      this.offline = null;
    }
    this.renderLog();
    this.renderChips();
  },

  /** Reconcile the log with the state, keeping existing nodes (focus, screen readers). @this {Widget} */
  renderLog() {
    const nearEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    const stored = Array.from(this.messages.values());
    // Answers that exist only here sit after the message they answered.
    const shown = stored.concat(this.localMessages).sort((a, b) => a.seq - b.seq);
    const rows = [];
    if (this.options.welcomeMessage) {
      rows.push({key: "welcome", message: {sender: {role: "bot", name: this.options.title},
        text: String(this.options.welcomeMessage), attachments: [], kind: "message"}});
    }
    const lastMine = stored.filter((message) => message.sender.role === "guest")
      .sort((a, b) => a.seq - b.seq).pop();
    for (const message of shown) {
      rows.push({key: message.id, message, seen: message === lastMine && message.seq <= this.agentReadSeq});
    }
    for (const entry of this.outbox.entries) {
      rows.push({key: `out-${entry.clientMsgId}`, entry, message: {sender: {role: "guest", name: "You"},
        text: entry.text, attachments: entry.attachments, kind: "message", createdAt: entry.createdAt}});
    }
    const wanted = new Set(rows.map((row) => row.key));
    for (const [key, element] of this.elements) {
      if (!wanted.has(key)) {
        element.remove();
        this.elements.delete(key);
      }
    }
    let previous = null;
    for (const row of rows) {
      const signature = `${row.entry ? `${row.entry.state}|${row.entry.error}` : ""}|${row.seen}`;
      let element = this.elements.get(row.key);
      if (!element || element.dataset.signature !== signature) {
        const fresh = this.renderRow(row);
        fresh.dataset.signature = signature;
        if (element) element.replaceWith(fresh);
        element = fresh;
        this.elements.set(row.key, element);
      }
      const expected = previous ? previous.nextSibling : this.list.firstChild;
      if (expected !== element) this.list.insertBefore(element, expected);
      previous = element;
    }
    this.hint.hidden = rows.length > 0; // the log stays: a live region must exist before news
    if (nearEnd) this.log.scrollTop = this.log.scrollHeight;
  },

  /** @this {Widget} */
  renderRow(row) {
    const {message, entry} = row;
    const role = message.sender.role;
    if (message.kind === "event" || role === "system") {
      return h("li", {class: "msg event"}, message.text);
    }
    const mine = role === "guest";
    const classes = ["msg", mine ? "mine" : "theirs", entry ? entry.state : "sent"];
    if (row.key === "welcome") classes.push("welcome"); // the site's greeting, not the AI
    else if (role === "bot") classes.push("bot"); // what the AI wrote, told apart from people
    const meta = h("div", {class: "meta"});
    if (entry && entry.state === "pending") {
      meta.append(h("span", {}, t("sending")));
    } else if (entry) {
      meta.append(h("span", {class: "problem"}, entry.error || t("notSent")));
      meta.append(entry.retryable
        ? h("button", {type: "button", class: "link-button", onclick: () => this.retryFailed(entry)}, t("retry"))
        : h("button", {type: "button", class: "link-button", onclick: () => this.dismiss(entry)}, t("dismiss")));
    } else if (message.createdAt) {
      meta.append(h("time", {datetime: message.createdAt}, formatTime(message.createdAt)));
      if (row.seen) meta.append(h("span", {}, `· ${t("seen")}`));
    }
    return h("li", {class: classes.join(" "), part: `message ${mine ? "mine" : "theirs"}`},
      mine ? h("span", {class: "sr-only"}, t("you")) : h("span", {class: "name"}, message.sender.name || t("support")),
      message.text ? h("div", {class: "bubble", part: "bubble"}, ...withLinks(message.text)) : null,
      this.renderFiles(message.attachments || []),
      meta);
  },

  /** @this {Widget} */
  renderFiles(files) {
    if (!files.length) return null;
    return h("div", {class: "files"}, ...files.map((file) => {
      const url = new URL(file.url || "#", this.serverUrl).toString();
      const raster = /^image\/(png|jpeg|gif|webp)$/.test(file.type || "");
      return h("a", {href: url, target: "_blank", rel: "noopener noreferrer"},
        raster ? h("img", {src: url, alt: file.name}) : `📎 ${file.name} (${formatSize(file.size || 0)})`);
    }));
  },

  /** @this {Widget} */
  renderChips() {
    this.chips.replaceChildren(...this.files.map((file) => h("span", {class: "chip"},
      h("span", {}, file.uploading ? t("uploading", {name: file.name}) : file.name),
      file.uploading ? null : h("button", {type: "button", "aria-label": t("remove", {name: file.name}),
        onclick: () => {
          this.files.splice(this.files.indexOf(file), 1);
          this.renderChips();
        }}, icon(...ICONS.close)))));
  },
};
