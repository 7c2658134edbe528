/**
 * What the server says about this widget before the first message (PROTOCOL.md §3.4
 * `GET /api/chat/config`): branding, whether the team is online, the forms. Options given to
 * `init` (or as data-* attributes) win over the server's branding.
 */

/** Branding keys the server may fill in when the page did not give them. */
const BRANDING = ["title", "primaryColor", "welcomeMessage"];
/** The chat opens without the server's settings rather than wait longer than this. */
const TIMEOUT_MS = 5000;

/**
 * The widget's configuration from the server; `refused` when the server answers but does not
 * allow this page's origin (CORS), null when it cannot be reached.
 * @param {string} apiUrl
 * @returns {Promise<{config: object|null, refused: boolean}>}
 */
export async function loadConfig(apiUrl) {
  const url = `${apiUrl.replace(/\/$/, "")}/config`;
  try {
    const response = await fetch(url, {credentials: "omit", signal: AbortSignal.timeout(TIMEOUT_MS)});
    if (response.ok) return {config: await response.json(), refused: false};
    return {config: null, refused: false};
  } catch (error) {
    // Slow is not refused: the chat opens without the server's settings.
    if (error.name === "TimeoutError" || error.name === "AbortError") return {config: null, refused: false};
    // A cross-origin read failed: if the server still answers an opaque request, it is up
    // and refused this site's origin rather than being unreachable.
    try {
      await fetch(url, {mode: "no-cors", credentials: "omit", signal: AbortSignal.timeout(TIMEOUT_MS)});
      return {config: null, refused: true};
    } catch (_unreachable) {
      return {config: null, refused: false};
    }
  }
}

/**
 * Fill in branding the page did not set. @param {Object<string, any>} options changed in place
 * @param {object|null} config @param {Set<string>} given the option names the page set
 */
export function applyBranding(options, config, given) {
  const branding = (config && config.branding) || {};
  for (const key of BRANDING) {
    if (!given.has(key) && branding[key]) options[key] = branding[key];
  }
}
