/** DOM and id helpers shared by the widget and the dashboard (ES modules, no build step). */

/**
 * An element with attributes and children; strings become text nodes, so user text can never
 * become markup. `on*` attributes become event listeners; false/null/undefined are left out.
 * @param {string} tag
 * @param {Object<string, any>|null} [attrs]
 * @param {...(Node|string|null|false|undefined)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === false || child === undefined) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}

/**
 * A version 4 UUID from the CSPRNG (crypto.randomUUID needs a secure context; this does not).
 * @returns {string}
 */
export function uuid4() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** "Deactivate Ana" → "Confirm deactivate Ana". @param {string} text */
const confirming = (text) => `Confirm ${text.charAt(0).toLowerCase()}${text.slice(1)}`;

/**
 * An action that cannot be undone asks first: the first press relabels the button "Confirm …"
 * for four seconds, and a second press within them runs `action`.
 * @param {HTMLButtonElement} button
 * @param {() => unknown} action
 */
export function confirmFirst(button, action) {
  const label = button.getAttribute("aria-label");
  if (button.dataset.armed === undefined) {
    button.dataset.armed = JSON.stringify([button.textContent, label]);
    button.textContent = confirming(button.textContent);
    if (label) button.setAttribute("aria-label", confirming(label));
    setTimeout(() => disarm(button), 4000);
    return undefined;
  }
  disarm(button);
  return action();
}

/** @param {HTMLButtonElement} button */
function disarm(button) {
  if (button.dataset.armed === undefined) return;
  const [text, label] = JSON.parse(button.dataset.armed);
  delete button.dataset.armed;
  button.textContent = text;
  if (label) button.setAttribute("aria-label", label);
}
