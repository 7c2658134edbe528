/**
 * Files dropped on the panel or pasted into the message box take the attach button's way
 * (Widget.upload in sending.js); raster images then show as thumbnails in the conversation.
 */

/** @param {import("./chat.js").Widget} widget */
export function acceptFiles(widget) {
  const {panel, input} = widget;
  let timer = null;
  const withFiles = (event) => event.dataTransfer.types.includes("Files") && !widget.composer.hidden;
  // While files hover, dragover repeats every few ms: the outline goes when it stops.
  panel.addEventListener("dragover", (event) => {
    if (!withFiles(event)) return;
    event.preventDefault();
    panel.style.outline = "3px dashed var(--cs-primary, #2563eb)";
    clearTimeout(timer);
    timer = setTimeout(() => (panel.style.outline = ""), 200);
  });
  panel.addEventListener("drop", (event) => {
    if (!withFiles(event)) return;
    event.preventDefault();
    widget.upload(event.dataTransfer.files);
  });
  input.addEventListener("paste", (event) => {
    const files = event.clipboardData ? [...event.clipboardData.files] : [];
    if (!files.length) return;
    event.preventDefault();
    widget.upload(files);
  });
}
