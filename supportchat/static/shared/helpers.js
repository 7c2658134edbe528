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

/** A web address in message text: http or https, up to the next space or angle bracket. */
const ADDRESS = /\bhttps?:\/\/[^\s<>"]+/gi;

/** Drop what ends a sentence from an address: "(see https://a.example/x)." → "https://a.example/x";
 * a closing bracket stays when the address opened it ("…/Foo_(bar)"). @param {string} address */
function trimAddress(address) {
  let end = address.length;
  for (;;) {
    const last = address[end - 1];
    const count = (char) => address.slice(0, end).split(char).length - 1;
    if (".,;:!?'\"*”’»".includes(last)) end -= 1;
    else if (last === ")" && count(")") > count("(")) end -= 1;
    else if (last === "]" && count("]") > count("[")) end -= 1;
    else return address.slice(0, end);
  }
}

/** @param {string} address */
function parses(address) {
  try {
    return Boolean(new URL(address).host);
  } catch (_error) {
    return false;
  }
}

/**
 * Message text cut into plain strings and `{link}` parts, one for each http(s) address in it.
 * @param {string} text @returns {(string|{link: string})[]}
 */
export function linkParts(text) {
  const parts = [];
  let from = 0;
  for (const match of text.matchAll(ADDRESS)) {
    const link = trimAddress(match[0]);
    if (!parses(link)) continue;
    if (match.index > from) parts.push(text.slice(from, match.index));
    parts.push({link});
    from = match.index + link.length;
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}

/**
 * Message text as nodes, its web addresses as links that open in a new tab without telling the
 * site where they came from; the rest stays text. @param {string} text @returns {(Node|string)[]}
 */
export function withLinks(text) {
  return linkParts(text).map((part) => (typeof part === "string" ? part
    : h("a", {href: part.link, target: "_blank", rel: "noopener noreferrer nofollow"}, part.link)));
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
