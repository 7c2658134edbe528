/**
 * The agent's live inbox, entry module (templates/agent/dashboard.html): the connection's life —
 * connect, reconnect, renew an expired session.
 */
import {cookie, setConnection, showError, socket, state, ui} from "./context.js";
import {loadTickets} from "./inbox.js";
import {openTicket, resync} from "./conversation.js";
import {retryFailed} from "./replies.js";
import "./search.js";
import "./labels.js";
import "./canned.js";
import "./assignee.js";
import "./keys.js";

let renewals = 0; // session renewals since the socket last connected

socket.on("connect", () => {
  renewals = 0;
  setConnection("Live");
  showError(ui.inboxError, null);
  loadTickets(true);
  if (state.selected) {
    resync();
    retryFailed();
  } else {
    openLinked();
  }
});

/** A link to one conversation, such as an email's "/agent/dashboard#ticket=<id>", opens it. */
function openLinked() {
  const linked = /^#ticket=([0-9a-f]{1,64})$/i.exec(location.hash);
  if (linked) openTicket(linked[1]);
}
window.addEventListener("hashchange", openLinked);

// The server's link to the other processes was down: same connection, fetch what was missed.
socket.on("resync", () => {
  loadTickets(true);
  if (state.selected) resync();
});

socket.on("disconnect", (reason) => {
  setConnection("Disconnected — reconnecting…");
  // The server ends a socket whose token expired: renew the token, then come back.
  if (reason === "io server disconnect") renewSession();
});

socket.on("connect_error", (error) => {
  if (socket.active) {
    setConnection("Reconnecting…");
  } else if (error.data && error.data.code === "unauthorized") {
    renewSession();
  } else {
    setConnection("Not connected");
    showError(ui.inboxError, error.message);
    setTimeout(() => socket.connect(), 5000);
  }
});

/**
 * POST /api/admin/auth/refresh rotates the refresh cookie and sets a new access cookie. Where
 * that route does not exist, reloading the page renews them (pages.py refreshes on the way).
 */
async function renewSession() {
  renewals += 1;
  if (renewals > 2) {
    // Renewed tokens keep being refused: signing in again is the way out.
    location.assign(`/agent/login?next=${encodeURIComponent(location.pathname)}`);
    return;
  }
  setConnection("Session expired — renewing…");
  let response;
  try {
    response = await fetch("/api/admin/auth/refresh", {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRF-TOKEN": cookie("csrf_refresh_token"), Accept: "application/json"},
    });
  } catch (_error) {
    renewals -= 1; // not a refusal: the server is not reachable yet
    setTimeout(renewSession, 3000);
    return;
  }
  if (response.ok) socket.connect();
  else if (response.status === 404 || response.status === 405) location.reload();
  else location.assign(`/agent/login?next=${encodeURIComponent(location.pathname)}`);
}
