/**
 * Every word the widget shows, by key: English here, the other languages in locales/<code>.js,
 * fetched only when chosen. `t(key, vars)` is the text in the current language; elements
 * built with `data-t` (text), `data-t-label` (aria-label) or `data-t-placeholder` keys, and
 * `data-t-vars` (JSON), get their words from `relabel(root)`, again after each change.
 */

export const LOCALES = ["en", "de", "fr", "es", "pt"];

const EN = {
  open: "Open chat: {title}",
  openNew: "Open chat: {title} ({n} new)",
  close: "Close chat: {title}",
  closeChat: "Close chat",
  messages: "Messages",
  hint: "Send us a message and we will answer here.",
  newChat: "Start a new conversation",
  person: "Talk to a person",
  closed: "This conversation has been closed.",
  write: "Write a message…",
  message: "Message",
  send: "Send",
  attach: "Attach a file",
  newMessage: "New message:",
  announce: "New message from {name}: {text}",
  you: "You:",
  support: "Support",
  sending: "Sending…",
  notSent: "Not sent.",
  retry: "Retry",
  dismiss: "Dismiss",
  seen: "Seen",
  uploading: "Uploading {name}…",
  remove: "Remove {name}",
  typing: "{name} is typing…",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  disconnected: "Offline — reconnecting…",
  refused: "The chat is not available on this website: the support server does not accept "
    + "{origin}. If you run this site, ask the support team to allow it.",
  required: "{label} (required)",
  fillIn: "Please fill in {label}.",
  badEmail: "Please enter an email address like name@example.com.",
  offlineEmail: "Your email, so we can answer you",
  start: "Start the chat",
  rate: "Rate this conversation",
  howDid: "How did we do?",
  star: "1 star",
  stars: "{n} stars",
  comment: "Comment (optional)",
  sendRating: "Send rating",
  thanks: "Thank you for your feedback!",
  rated: "This conversation has already been rated.",
  notConnected: "Not connected to support right now; it will be sent when the connection is back.",
  closedNotSent: "Not sent: this conversation has been closed.",
  gaveUp: "Not sent. Press Retry to try again.",
  noAnswer: "The support server did not answer in time; trying again.",
  unreachable: "Can't reach the support server; check your connection. Trying again.",
  cancelled: "Cancelled.",
  tooLarge: "{name} is {size}; files up to {max} can be sent.",
  wentWrong: "Something went wrong; please try again.",
};

let words = EN;
let current = "en";
let asked = 0;

/** The current language's code. */
export function locale() {
  return current;
}

/**
 * The text of `key` in the current language (English where it has none), `{name}` replaced by
 * `vars.name`. @param {string} key @param {Object<string, any>} [vars] @returns {string}
 */
export function t(key, vars = {}) {
  return (words[key] || EN[key] || key).replace(/\{(\w+)\}/g,
    (all, name) => (name in vars ? String(vars[name]) : all));
}

/**
 * The first of `wanted` the widget speaks ("de-AT" is "de"), or null.
 * @param {...(string|null|undefined)} wanted @returns {string|null}
 */
export function pickLocale(...wanted) {
  for (const code of wanted) {
    const base = String(code || "").toLowerCase().split(/[-_]/)[0];
    if (LOCALES.includes(base)) return base;
  }
  return null;
}

/**
 * Speak `code` (one of LOCALES) once its words have arrived; of two quick changes, the later
 * one wins. @param {string} code @returns {Promise<boolean>} whether it is the language now
 */
export async function useLocale(code) {
  const mine = ++asked;
  const loaded = code === "en" ? EN : (await import(`./locales/${code}.js`)).default;
  if (mine !== asked) return false;
  words = loaded;
  current = code;
  return true;
}

/** "12 kB", "1,5 Mo": a size in the current language. @param {number} bytes */
export function formatSize(bytes) {
  const [unit, size] = bytes < 1024 ? ["byte", bytes] : bytes < 1024 * 1024
    ? ["kilobyte", bytes / 1024] : ["megabyte", bytes / 1024 / 1024];
  const unitDisplay = unit === "byte" ? "long" : "short"; // "16 bytes": the short form is "16 byte"
  return new Intl.NumberFormat(current, {style: "unit", unit, unitDisplay, maximumFractionDigits: 1}).format(size);
}

const MARKED = "[data-t], [data-t-label], [data-t-placeholder]";

/** Give `root` and the marked elements in it their words in the current language.
 * @param {Element|ShadowRoot} root */
export function relabel(root) {
  const elements = Array.from(root.querySelectorAll(MARKED));
  if (root instanceof Element && root.matches(MARKED)) elements.push(root);
  for (const element of elements) {
    const {t: text, tLabel, tPlaceholder, tVars} = element.dataset;
    const vars = tVars ? JSON.parse(tVars) : {};
    if (text) element.textContent = t(text, vars);
    if (tLabel) element.setAttribute("aria-label", t(tLabel, vars));
    if (tPlaceholder) element.setAttribute("placeholder", t(tPlaceholder, vars));
  }
}
