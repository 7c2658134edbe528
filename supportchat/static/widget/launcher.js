/**
 * What every page pays for: the widget's host element, its shadow root with the theming
 * variables, and the launcher button. The panel (view.js) joins the same root on first open.
 */
import {h} from "../shared/helpers.js";
import {t} from "./strings.js";

/** The dark defaults of the --cs-* variables: with a dark system theme, or when the page sets
 * the dark scheme (`colorScheme`, `setColorScheme`). */
const DARK = `
  --_focus: var(--cs-focus-ring, #60a5fa);
  --_bg: var(--cs-bg, #171a1f);
  --_surface: var(--cs-surface, #0f1115);
  --_text: var(--cs-text, #e7eaee);
  --_muted: var(--cs-muted, #9aa4b1);
  --_border: var(--cs-border, #2b313a);
  --_bot-bg: var(--cs-bot-bubble-bg, #242a32);
  --_input-bg: var(--cs-input-bg, #1d2127);
  --_input-border: var(--cs-input-border, #3a424d);
  --_input-placeholder: var(--cs-input-placeholder, #8a94a3);
  --_error-bg: var(--cs-error-bg, #3a1d1b);
  --_error-text: var(--cs-error-text, #fda29b);
  --_error-border: var(--cs-error-border, #7a2e29);
  --_typing-dot: var(--cs-typing-dot, #9aa4b1);
`;

/** The --cs-* theming variables (with light and dark defaults) and the launcher's look. */
const LAUNCHER_STYLES = `
:host {
  all: initial;
  --_primary: var(--cs-primary, #0f766e);
  --_on-primary: var(--cs-on-primary, #ffffff);
  --_focus: var(--cs-focus-ring, #2563eb);
  --_bg: var(--cs-bg, #ffffff);
  --_surface: var(--cs-surface, #f4f6f8);
  --_text: var(--cs-text, #1b1f24);
  --_muted: var(--cs-muted, #5b6470);
  --_border: var(--cs-border, #d9dde3);
  --_user-bg: var(--cs-user-bubble-bg, var(--_primary));
  --_user-text: var(--cs-user-bubble-text, var(--_on-primary));
  --_bot-bg: var(--cs-bot-bubble-bg, #ffffff);
  --_bot-text: var(--cs-bot-bubble-text, var(--_text));
  --_input-bg: var(--cs-input-bg, #ffffff);
  --_input-text: var(--cs-input-text, var(--_text));
  --_input-border: var(--cs-input-border, #c5cbd3);
  --_input-placeholder: var(--cs-input-placeholder, #7a838f);
  --_control-bg: var(--cs-control-bg, transparent);
  --_control-text: var(--cs-control-text, var(--_muted));
  --_control-hover-bg: var(--cs-control-hover-bg, rgba(127, 127, 127, .15));
  --_error-bg: var(--cs-error-bg, #fef3f2);
  --_error-text: var(--cs-error-text, #b42318);
  --_error-border: var(--cs-error-border, #fda29b);
  --_typing-dot: var(--cs-typing-dot, #8a94a3);
  color-scheme: light dark;
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--_text);
}
@media (prefers-color-scheme: dark) { :host(:not([data-scheme="light"])) { ${DARK} } }
:host([data-scheme="dark"]) { color-scheme: dark; ${DARK} }
:host([data-scheme="light"]) { color-scheme: light; }
:host([data-mode="inline"]) { position: relative; right: auto; bottom: auto; z-index: auto; display: block; height: 100%; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
svg { width: 22px; height: 22px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
:focus-visible { outline: 2px solid var(--_focus); outline-offset: 2px; }
button { font: inherit; cursor: pointer; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.launcher { position: relative; width: 58px; height: 58px; border-radius: 50%; border: 0; display: grid; place-items: center; background: var(--_primary); color: var(--_on-primary); box-shadow: 0 6px 20px rgba(0, 0, 0, .25); }
.launcher svg { width: 26px; height: 26px; }
.badge { position: absolute; top: -3px; right: -3px; min-width: 20px; height: 20px; padding: 0 5px; border-radius: 10px; display: grid; place-items: center; background: #d92d20; color: #fff; font-size: 12px; font-weight: 700; }
`;

/** A 24×24 stroke icon from SVG path data. @param {...string} paths @returns {SVGElement} */
export function icon(...paths) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const d of paths) {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

export const ICONS = {
  chat: ["M4 5h16v11H9l-5 4z"],
  close: ["M6 6l12 12", "M18 6L6 18"],
  attach: ["M16.5 6.5l-7.8 7.8a2 2 0 0 0 2.8 2.8l7.8-7.8a4 4 0 0 0-5.7-5.7L5.8 11.4a6 6 0 0 0 8.5 8.5l6.2-6.2"],
  send: ["M4 12l16-8-6 16-2.5-6.5z", "M11.5 13.5L20 4"],
};

/** Add a style sheet to a shadow root (constructed where supported, a <style> otherwise). */
export function adoptStyles(root, css) {
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } else {
    root.append(h("style", {}, css));
  }
}

/**
 * @typedef {{host: HTMLElement, root: ShadowRoot, launcher: HTMLElement,
 *   badge: HTMLElement}} Shell
 */

/**
 * The host element with its shadow root and the launcher, not yet in the page.
 * @param {{title: string, primaryColor?: string|null}} options
 * @param {() => void} onToggle the launcher was pressed
 * @returns {Shell}
 */
export function buildShell(options, onToggle) {
  const host = h("div", {"data-supportchat": ""});
  const root = host.attachShadow({mode: "open"});
  adoptStyles(root, LAUNCHER_STYLES);
  if (options.primaryColor) host.style.setProperty("--cs-primary", options.primaryColor);
  const badge = h("span", {class: "badge", part: "badge", hidden: true, "aria-hidden": "true"});
  const launcher = h("button", {type: "button", class: "launcher", part: "launcher",
    "aria-controls": "cs-panel", "aria-expanded": "false", onclick: onToggle}, icon(...ICONS.chat), badge);
  labelLauncher(launcher, options.title);
  root.append(launcher);
  return {host, root, launcher, badge};
}

/**
 * Name the launcher for what pressing it does. @param {HTMLElement} launcher
 * @param {string} title @param {boolean} [isOpen] @param {number} [unread]
 */
export function labelLauncher(launcher, title, isOpen = false, unread = 0) {
  const key = isOpen ? "close" : unread ? "openNew" : "open";
  launcher.setAttribute("aria-label", t(key, {title, n: unread}));
}
