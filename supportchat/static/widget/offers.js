/** What the Widget (chat.js) offers besides the conversation: the pre-chat and offline
 * forms, the rating after a close, and a person instead of the bot. Methods of Widget. */
import {h} from "../shared/helpers.js";

/** @typedef {import("./chat.js").Widget} Widget */

export const offerMethods = {
  /** @this {Widget} Before the first message: the pre-chat form when the team configured
   * one, and the offline message with an email field while nobody is online (§3.4). */
  offerForms() {
    const config = this.server.config;
    if (!config || this.session.ticketId || this.outbox.entries.length || this.gate
      || this.offline) return;
    const form = config.preChatForm;
    const wanted = form && form.enabled && form.fields.length;
    if (!wanted && config.online !== false) return;
    import("./forms.js").then(({gateForm, offlineBox, splitAnswers}) => {
      if (this.session.ticketId) return;
      if (config.online === false) {
        const asked = wanted && form.fields.some((field) => field.name === "email");
        this.offline = offlineBox(this.root, config.offlineMessage, () => this.input.focus(), !asked);
        this.panel.insertBefore(this.offline.element, this.composer);
      }
      if (wanted) {
        this.gate = gateForm(this.root, {fields: form.fields, submitLabel: "start"},
          (values) => {
            this.answers = splitAnswers(values);
            this.gate.remove();
            this.gate = null;
            this.render();
            this.input.focus();
          });
        this.panel.insertBefore(this.gate, this.composer);
        if (this.isOpen) this.firstField().focus();
      }
      this.render();
    });
  },

  /** @this {Widget} Where focus goes in the open panel: the pre-chat form's first field, else
   * the message box (the offline form's email is optional: it is a Shift+Tab away). */
  firstField() {
    return this.gate ? this.gate.querySelector("input, textarea") : this.input;
  },

  /** @this {Widget} Ask for a rating of the closed conversation when the team wants one (csat) and the
   * transport can send it (long polling sends it over a socket made for it). */
  offerRating() {
    const csat = this.server.config && this.server.config.csat;
    if (!csat || !csat.enabled || this.rated || this.ratingBox || !this.transport.rate) return;
    this.ratingBox = h("div");
    this.closedBox.insertBefore(this.ratingBox, this.newButton);
    const box = this.ratingBox;
    import("./rating.js").then(({ratingPrompt}) => {
      if (box !== this.ratingBox) return; // a new conversation began meanwhile
      const focused = this.closedBox.contains(this.root.activeElement);
      box.replaceWith(this.ratingBox = ratingPrompt(this.root, (score, comment) =>
        this.transport.rate(score, comment).then(() => {
          this.rated = true;
        })));
      if (focused) this.ratingBox.querySelector("input").focus(); // into the form that appeared
    });
  },

  /** @this {Widget} The customer asks for a person instead of the bot. */
  async requestPerson() {
    try {
      await this.transport.handoff();
      this.botActive = false;
      this.render();
    } catch (error) {
      this.showAlert(error.message);
    }
  },
};
