/**
 * Keyboard-first: j/k or the arrows move through the inbox, Enter opens, `/` searches, `r`
 * replies, `n` writes a note, `e` closes (press again to confirm), `?` lists the shortcuts.
 * Letters never fire while the agent types in a field.
 */
import {state, ui} from "./context.js";

const help = /** @type {HTMLDialogElement} */ (document.getElementById("shortcut-help"));

function typing(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

/** Focus the inbox row `step` rows away from the focused (or open) one. */
function move(step) {
  const rows = Array.from(ui.list.querySelectorAll("li[data-id]"));
  if (!rows.length) return;
  const current = document.activeElement && document.activeElement.closest("#ticket-list li")
    || ui.list.querySelector('li[aria-selected="true"]');
  const index = current ? rows.indexOf(current) : -1;
  const next = rows[Math.max(0, Math.min(rows.length - 1, index < 0 ? 0 : index + step))];
  for (const row of rows) row.tabIndex = row === next ? 0 : -1;
  next.focus();
  next.scrollIntoView({block: "nearest"});
}

function compose(note) {
  if (!state.selected || ui.composer.hidden) return;
  if (ui.asNote.checked !== note) {
    ui.asNote.checked = note;
    ui.asNote.dispatchEvent(new Event("change"));
  }
  ui.reply.focus();
}

const SHORTCUTS = {
  j: () => move(1), k: () => move(-1),
  r: () => compose(false), n: () => compose(true),
  e: () => {
    if (!state.selected || ui.close.hidden) return;
    ui.close.focus();
    ui.close.click();
  },
  "/": () => {
    const search = document.querySelector('#search, input[type="search"]');
    if (search instanceof HTMLElement) search.focus();
  },
  "?": () => help.showModal(),
};

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || help.open) return;
  if (typing(event.target)) {
    if (event.key === "Escape") /** @type {HTMLElement} */ (event.target).blur();
    return;
  }
  const arrows = {ArrowDown: "j", ArrowUp: "k"};
  const inList = event.target instanceof HTMLElement && event.target.closest("#ticket-list");
  const key = !inList && arrows[event.key] && event.target === document.body
    ? arrows[event.key] : event.key;
  const action = SHORTCUTS[key];
  if (!action) return;
  event.preventDefault();
  action();
});

document.getElementById("show-shortcuts").addEventListener("click", () => help.showModal());
