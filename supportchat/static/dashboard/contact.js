/**
 * The contact panel of the open ticket: the customer's identifiers and custom attributes (the
 * page they wrote from among them), earlier conversations found by their verified email
 * (`ticket:list` with `q`), and the files shared in this ticket (GET /api/admin/files).
 */
import {h} from "../shared/helpers.js";
import {emit, formatWhen, ui} from "./context.js";

const details = h("dl", {class: "contact-fields"});
const previous = h("ul", {class: "contact-previous", "aria-label": "Earlier conversations"});
const files = h("ul", {class: "contact-files", "aria-label": "Files shared"});
const panel = h("details", {class: "contact", id: "contact-panel"},
  h("summary", null, "Customer details"),
  details,
  h("h3", null, "Earlier conversations"), previous,
  h("h3", null, "Files shared"), files);
ui.meta.parentElement.append(panel);

let shownFor = null;

function fields(customer) {
  const rows = [];
  for (const values of [customer.userIdentifier, customer.metadata]) {
    for (const [key, value] of Object.entries(values || {})) {
      rows.push(h("dt", null, key),
        h("dd", null, typeof value === "string" ? value : JSON.stringify(value)));
    }
  }
  return rows.length ? rows : [h("dd", null, "Nothing more is known about this customer.")];
}

async function loadPrevious(ticket) {
  const email = ticket.customer.verified && ticket.customer.userIdentifier && ticket.customer.userIdentifier.email;
  if (!email) {
    previous.replaceChildren(h("li", null, "Only verified customers are matched across conversations."));
    return;
  }
  const ack = await emit("ticket:list", {q: email, status: "all", limit: 10});
  const others = ack.tickets.filter((other) => other.id !== ticket.id);
  previous.replaceChildren(...(others.length ? others.map((other) => h("li", null,
    h("time", {datetime: other.lastMessageAt}, formatWhen(other.lastMessageAt)), " ",
    `${other.status === "closed" ? "Closed" : "Open"} · ${other.lastMessagePreview || "(no messages)"}`))
    : [h("li", null, "None.")]));
}

async function loadFiles(ticket) {
  const response = await fetch(`/api/admin/files?ticketId=${encodeURIComponent(ticket.id)}`,
    {credentials: "same-origin", headers: {Accept: "application/json"}});
  const body = response.ok ? await response.json() : {files: []};
  files.replaceChildren(...(body.files.length ? body.files.map((file) => h("li", null,
    h("a", {href: file.url, target: "_blank", rel: "noopener"}, file.name)))
    : [h("li", null, "None.")]));
}

/** Show the customer of `ticket`; earlier conversations and files load once per ticket. */
export function renderContact(ticket) {
  details.replaceChildren(...fields(ticket.customer));
  if (shownFor === ticket.id) return;
  shownFor = ticket.id;
  previous.replaceChildren();
  files.replaceChildren();
  loadPrevious(ticket).catch(() => previous.replaceChildren(h("li", null, "Could not load them.")));
  loadFiles(ticket).catch(() => files.replaceChildren(h("li", null, "Could not load them.")));
}
