/** The database page (templates/admin/database.html): POST /api/admin/db/init, idempotent. */
import {api} from "./api.js";

const $ = (id) => /** @type {any} */ (document.getElementById(id));
const button = $("db-init");

button.addEventListener("click", async () => {
  button.disabled = true;
  $("db-status").hidden = true;
  $("db-error").hidden = true;
  const answer = await api("POST", "/api/admin/db/init");
  button.disabled = false;
  if (!answer.ok) {
    $("db-error").textContent = answer.error.message;
    $("db-error").hidden = false;
    return;
  }
  $("current-revision").textContent = answer.data.revision;
  $("db-state").textContent = answer.data.revision === $("newest-revision").textContent
    ? "The schema is up to date." : "An upgrade is available.";
  $("db-status").textContent = `Done: the schema is at revision ${answer.data.revision}.`;
  $("db-status").hidden = false;
});
button.dataset.ready = "true";
