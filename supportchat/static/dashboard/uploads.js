/**
 * Files in the agent's composer: picked, dropped on it or pasted into the reply box, uploaded at
 * once (POST /api/upload with the ticket, PROTOCOL.md §3.5) and sent with the next reply;
 * images show a preview.
 */
import {h} from "../shared/helpers.js";
import {cookie, state, ui} from "./context.js";

const MAX_FILES = 10;
const MAX_MB = Number(ui.attach.dataset.maxMb); // MAX_UPLOAD_MB: larger files are refused here
/** @type {{key: number, name: string, preview: string|null, file: object|null,
 *   error: string|null}[]} */
let pending = [];
let counter = 0;

/** The uploaded files for the reply being sent; the tray empties. */
export function takeAttachments() {
  const ready = pending.filter((item) => item.file).map((item) => item.file);
  for (const item of pending) if (item.preview) URL.revokeObjectURL(item.preview);
  pending = [];
  render();
  return ready;
}

/** Whether an upload is still under way (the reply waits for it). */
export function uploading() {
  return pending.some((item) => !item.file && !item.error);
}

async function add(file) {
  if (!state.selected || pending.length >= MAX_FILES) return;
  const tooLarge = file.size > MAX_MB * 1024 * 1024;
  const item = {key: ++counter, name: file.name || "pasted image", file: null,
    error: tooLarge ? `Too large (${(file.size / 1024 / 1024).toFixed(1)} MB): files up to ${MAX_MB} MB can be sent.` : null,
    preview: file.type.startsWith("image/") ? URL.createObjectURL(file) : null};
  pending.push(item);
  render();
  if (tooLarge) return;
  const form = new FormData();
  form.append("file", file, item.name);
  form.append("ticketId", state.selected);
  try {
    const response = await fetch("/api/upload", {method: "POST", body: form, credentials: "same-origin",
      headers: {"X-CSRF-TOKEN": cookie("csrf_access_token"), Accept: "application/json"}});
    const body = await response.json().catch(() => ({}));
    if (response.ok) item.file = body.file;
    else item.error = (body.error && body.error.message) || `Upload failed (${response.status}).`;
  } catch (_error) {
    item.error = "Upload failed: the server is not reachable.";
  }
  render();
}

function remove(item) {
  if (item.preview) URL.revokeObjectURL(item.preview);
  pending = pending.filter((other) => other !== item);
  render();
}

function render() {
  ui.files.hidden = !pending.length;
  ui.files.replaceChildren(...pending.map((item) => h("li", {class: item.error ? "failed" : null},
    item.preview ? h("img", {src: item.preview, alt: `Preview of ${item.name}`}) : null,
    h("span", {class: "name"}, item.name),
    h("span", {class: item.error ? "error" : "state"},
      item.error || (item.file ? "Ready" : "Uploading…")),
    h("button", {type: "button", class: "link", "aria-label": `Remove ${item.name}`,
      onclick: () => remove(item)}, "Remove"))));
}

ui.attach.addEventListener("change", () => {
  for (const file of ui.attach.files) add(file);
  ui.attach.value = "";
});
ui.composer.addEventListener("dragover", (event) => {
  if (!event.dataTransfer.types.includes("Files")) return;
  event.preventDefault();
  ui.composer.classList.add("dropping");
});
ui.composer.addEventListener("dragleave", () => ui.composer.classList.remove("dropping"));
ui.composer.addEventListener("drop", (event) => {
  ui.composer.classList.remove("dropping");
  if (!event.dataTransfer.files.length) return;
  event.preventDefault();
  for (const file of event.dataTransfer.files) add(file);
});
ui.reply.addEventListener("paste", (event) => {
  const files = Array.from(event.clipboardData.files);
  if (!files.length) return;
  event.preventDefault();
  for (const file of files) add(file);
});
