/**
 * The forms shown before the first message, loaded on demand: the pre-chat form (the fields
 * the team configured) and, while nobody is online, the offline form (message and email).
 */
import {h} from "../shared/helpers.js";
import {adoptStyles} from "./launcher.js";
import {relabel} from "./strings.js";

const STYLES = `
.gate { padding: .8rem 1rem; border-top: 1px solid var(--_border); background: var(--_bg); overflow-y: auto; }
.gate .intro { margin: 0 0 .6rem; color: var(--_text); }
.gate .field { margin-bottom: .55rem; }
.gate label { display: block; margin-bottom: .15rem; font-size: .9rem; color: var(--_muted); }
.gate input, .gate textarea { width: 100%; padding: .45rem .6rem; border: 1px solid var(--_input-border); border-radius: 8px; background: var(--_input-bg); color: var(--_input-text); font: inherit; }
.gate [aria-invalid="true"] { border-color: var(--_error-text); }
.gate .problem { margin: .15rem 0 0; color: var(--_error-text); font-size: .85rem; }
`;

/** Fields whose answers identify the customer; the others go into the ticket's metadata. */
const IDENTIFYING = new Set(["name", "email", "phone"]);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** @typedef {{name: string, label: string, type?: string, required?: boolean}} Field */

/** Say the words of `key` in `problem` (hidden for ""), in the current language and again after
 * the language changes. @param {HTMLElement} problem @param {string} key @param {object} [vars] */
function say(problem, key, vars = {}) {
  problem.hidden = !key;
  if (!key) {
    delete problem.dataset.t;
    problem.textContent = "";
    return;
  }
  Object.assign(problem.dataset, {t: key, tVars: JSON.stringify(vars)});
  relabel(problem);
}

/**
 * A form of `fields`, validated here (required, email), calling `onSubmit(values)` when valid.
 * @param {ShadowRoot} root
 * @param {{intro?: string, fields: Field[], submitLabel: string}} spec `submitLabel` is a
 *   strings.js key
 * @param {(values: Object<string, string>) => void} onSubmit
 * @returns {HTMLElement}
 */
export function gateForm(root, spec, onSubmit) {
  adoptStyles(root, STYLES);
  const controls = spec.fields.map((field) => {
    const id = `cs-field-${field.name}`;
    const input = h(field.type === "textarea" ? "textarea" : "input", {id, name: field.name,
      type: field.type === "textarea" ? null : field.type || "text", rows: field.type === "textarea" ? "3" : null,
      autocomplete: {name: "name", email: "email", phone: "tel"}[field.name] || null,
      "aria-required": field.required ? "true" : null, "aria-describedby": `${id}-problem`});
    const problem = h("p", {class: "problem", id: `${id}-problem`, hidden: true});
    const label = field.required
      ? h("label", {for: id, "data-t": "required", "data-t-vars": JSON.stringify({label: field.label})})
      : h("label", {for: id}, field.label);
    return {field, input, problem, element: h("div", {class: "field"}, label, input, problem)};
  });
  const form = h("form", {class: "gate", part: "form", novalidate: true, "data-t-label": spec.submitLabel,
    onsubmit: (event) => {
      event.preventDefault();
      let firstBad = null;
      const values = {};
      for (const {field, input, problem} of controls) {
        const value = input.value.trim();
        const problemKey = field.required && !value ? "fillIn"
          : field.type === "email" && value && !EMAIL.test(value) ? "badEmail" : "";
        say(problem, problemKey, {label: field.label});
        input.setAttribute("aria-invalid", problemKey ? "true" : "false");
        if (problemKey && !firstBad) firstBad = input;
        if (value) values[field.name] = value;
      }
      if (firstBad) firstBad.focus();
      else onSubmit(values);
    }},
  spec.intro ? h("p", {class: "intro"}, spec.intro) : null,
  ...controls.map((control) => control.element),
  h("button", {type: "submit", class: "primary", "data-t": spec.submitLabel}));
  relabel(form);
  return form;
}

/**
 * A form's answers as a first message's userIdentifier (name, email, phone) and metadata.
 * @param {Object<string, string>} values
 */
export function splitAnswers(values) {
  const userIdentifier = {};
  const metadata = {};
  for (const [name, value] of Object.entries(values)) {
    (IDENTIFYING.has(name) ? userIdentifier : metadata)[name] = value;
  }
  return {userIdentifier, metadata};
}

/**
 * While nobody is online: the team's offline message and an email field above the composer;
 * the first message then leaves the address for the answer. Without the field when the
 * pre-chat form asks for the email already (`askEmail` false).
 * @param {ShadowRoot} root @param {string} text the offline message
 * @param {() => void} onEnter Enter was pressed in the email field (on to the message)
 * @param {boolean} askEmail
 */
export function offlineBox(root, text, onEnter, askEmail) {
  adoptStyles(root, STYLES);
  const input = h("input", {id: "cs-offline-email", type: "email", autocomplete: "email",
    "aria-describedby": "cs-offline-problem", onkeydown: (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        onEnter();
      }
    }});
  const problem = h("p", {class: "problem", id: "cs-offline-problem", hidden: true});
  const element = h("div", {class: "gate", part: "offline"},
    text ? h("p", {class: "intro"}, text) : null,
    askEmail ? h("div", {class: "field"},
      h("label", {for: "cs-offline-email", "data-t": "offlineEmail"}), input, problem) : null);
  relabel(element);
  return {
    element,
    /** The address given ("" for none), or null (and the reason shown) when it is not one. */
    email() {
      if (!askEmail) return "";
      const value = input.value.trim();
      const bad = value && !EMAIL.test(value);
      say(problem, bad ? "badEmail" : "");
      input.setAttribute("aria-invalid", bad ? "true" : "false");
      if (bad) input.focus();
      return bad ? null : value;
    },
  };
}
