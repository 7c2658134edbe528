/** Admins give the open ticket to any active agent (PROTOCOL.md §4 `ticket:assign`). */
import {h} from "../shared/helpers.js";
import {emit, me, showError, state, ui} from "./context.js";
import {upsertTicket} from "./inbox.js";

const picker = h("select", {id: "assign-to", "aria-label": "Assign to an agent", hidden: true});

/** The active agents to choose from (GET /api/admin/agents, for admins only). */
async function load() {
  const response = await fetch("/api/admin/agents", {credentials: "same-origin", headers: {Accept: "application/json"}});
  if (!response.ok) return;
  const {agents} = await response.json();
  picker.replaceChildren(h("option", {value: ""}, "Assign to…"),
    ...agents.filter((agent) => agent.active).map((agent) => h("option", {value: agent.id}, agent.name)));
  ui.assign.after(picker);
  picker.hidden = false;
}

picker.addEventListener("change", async () => {
  const agentId = picker.value;
  if (!agentId || !state.selected) return;
  picker.disabled = true;
  try {
    const ack = await emit("ticket:assign", {ticketId: state.selected, agentId});
    upsertTicket(ack.ticket);
    showError(ui.error, null);
  } catch (error) {
    showError(ui.error, error.message);
  } finally {
    picker.value = "";
    picker.disabled = false;
  }
});

if (me.role === "admin") load().catch(() => {}); // agents never see the picker
