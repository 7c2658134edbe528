/**
 * The canned-response picker (PROTOCOL.md §3.7): typing `/` and a few letters in the reply box
 * lists the matching shortcuts; arrows move, Tab or Enter inserts the text, Escape closes.
 */
import {h} from "../shared/helpers.js";
import {ui} from "./context.js";

const SHOWN = 8;
const TOKEN = /(^|\s)\/([a-z0-9-]*)$/; // a `/shortcut` being typed just before the caret

/** @type {{id: string, shortcut: string, title: string, text: string}[]} */
let canned = [];
let loaded = null;
/** @type {{start: number, items: typeof canned, active: number}|null} */
let open = null;

const list = h("ul", {id: "canned-picker", class: "canned-picker", role: "listbox",
  "aria-label": "Canned responses", hidden: true});
ui.composer.prepend(list);
ui.reply.setAttribute("aria-controls", "canned-picker");
ui.reply.setAttribute("aria-autocomplete", "list");

/** GET /api/admin/canned once (again after a failure). */
function load() {
  loaded = loaded || fetch("/api/admin/canned", {credentials: "same-origin", headers: {Accept: "application/json"}})
    .then((response) => (response.ok ? response.json() : {canned: []}))
    .then((body) => { canned = body.canned || []; })
    .catch(() => { loaded = null; });
  return loaded;
}

/** The canned responses for what was typed after `/`: shortcut prefix first, then any match. */
export function matching(items, typed) {
  const first = items.filter((item) => item.shortcut.startsWith(typed));
  const rest = items.filter((item) => !item.shortcut.startsWith(typed)
    && (item.shortcut.includes(typed) || item.title.toLowerCase().includes(typed)));
  return [...first, ...rest].slice(0, SHOWN);
}

function close() {
  open = null;
  list.hidden = true;
  ui.reply.removeAttribute("aria-activedescendant");
}

function render() {
  list.replaceChildren(...open.items.map((item, index) => h("li", {
    id: `canned-${item.id}`, role: "option", "aria-selected": String(index === open.active),
    onmousedown: (event) => { event.preventDefault(); insert(item); },
  }, h("code", null, `/${item.shortcut}`), " ", h("span", null, item.title))));
  list.hidden = false;
  ui.reply.setAttribute("aria-activedescendant", `canned-${open.items[open.active].id}`);
}

async function update() {
  const caret = ui.reply.selectionStart;
  const found = TOKEN.exec(ui.reply.value.slice(0, caret));
  if (!found) {
    close();
    return;
  }
  await load();
  const items = matching(canned, found[2]);
  if (!items.length) {
    close();
    return;
  }
  open = {start: caret - found[2].length - 1, items, active: 0};
  render();
}

function insert(item) {
  const caret = ui.reply.selectionStart;
  const before = ui.reply.value.slice(0, open ? open.start : caret);
  ui.reply.value = before + item.text + ui.reply.value.slice(caret);
  const at = before.length + item.text.length;
  ui.reply.setSelectionRange(at, at);
  close();
  ui.reply.focus();
  ui.reply.dispatchEvent(new Event("input")); // the typing indicator hears it too
}

ui.reply.addEventListener("input", update);
ui.reply.addEventListener("blur", () => setTimeout(close, 100));

// Capture on the form: the picker's keys never reach the reply box's own Enter-sends handler.
ui.composer.addEventListener("keydown", (event) => {
  if (!open || event.target !== ui.reply) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    open.active = (open.active + (event.key === "ArrowDown" ? 1 : open.items.length - 1)) % open.items.length;
    render();
  } else if (event.key === "Enter" || event.key === "Tab") {
    insert(open.items[open.active]);
  } else if (event.key === "Escape") {
    close();
  } else {
    return;
  }
  event.preventDefault();
  event.stopPropagation();
}, true);
