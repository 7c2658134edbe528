/**
 * Alerts while the tab is hidden: a short tone and a browser notification (once the agent has
 * allowed them) for a new conversation or a customer's message in a ticket assigned to this
 * agent, each as the agent's own preferences say (preferences.js, kept on the server). The
 * unread count is also drawn on the favicon.
 */
import {me, socket} from "./context.js";
import {prefs} from "./preferences.js";

const icon = /** @type {HTMLLinkElement} */ (document.querySelector('link[rel="icon"]'));
const plainIcon = icon ? icon.href : "";
/** @type {Map<string, number>} lastSeq of each ticket as the digests last told it */
const seen = new Map();
let audio = null;

function tone() {
  try {
    audio = audio || new AudioContext();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.4);
  } catch (_error) {
    // no audio output: the notification and the title still tell
  }
}

function ring(title, body, ticketId) {
  if (document.visibilityState !== "hidden") return;
  if (prefs.sound) tone();
  if (prefs.desktop && "Notification" in window && Notification.permission === "granted") {
    const shown = new Notification(title, {body, tag: ticketId});
    shown.onclick = () => window.focus();
  }
}

socket.on("ticket:created", (ticket) => {
  seen.set(ticket.id, ticket.lastSeq);
  ring(`New conversation: ${ticket.customer.label}`, ticket.lastMessagePreview || "", ticket.id);
});

socket.on("inbox:updated", (digest) => {
  for (const row of digest.conversations || []) {
    const before = seen.get(row.id);
    seen.set(row.id, Math.max(before ?? 0, row.lastSeq));
    const mine = row.assignee && row.assignee.id === me.id;
    if (mine && row.unread && before !== undefined && row.lastSeq > before) {
      ring(`New message: ${row.title}`, row.lastMessagePreview || "", row.id);
    }
  }
});

/** Remember where each ticket stood, so only news alerts. */
export function track(tickets) {
  for (const ticket of tickets) if (!seen.has(ticket.id)) seen.set(ticket.id, ticket.lastSeq);
}

/** The unread count on the favicon (the plain icon when there is none). */
export function showUnread(count) {
  if (!icon) return;
  if (!count) {
    if (icon.href !== plainIcon) icon.href = plainIcon;
    return;
  }
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 32;
  const draw = canvas.getContext("2d");
  draw.fillStyle = "#b42318";
  draw.beginPath();
  draw.arc(16, 16, 16, 0, 2 * Math.PI);
  draw.fill();
  draw.fillStyle = "#fff";
  draw.font = "bold 20px sans-serif";
  draw.textAlign = "center";
  draw.textBaseline = "middle";
  draw.fillText(count > 9 ? "9+" : String(count), 16, 17);
  icon.href = canvas.toDataURL("image/png");
}
