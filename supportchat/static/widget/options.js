/** The widget's options: defaults, and those given as data-* attributes on the script tag. */

/** The support server: where this module came from. */
const SERVER_ORIGIN = new URL(import.meta.url).origin;

export const DEFAULTS = {
  apiUrl: `${SERVER_ORIGIN}/api/chat`, uploadUrl: null, title: "Support", userIdentifier: null,
  identifierHash: null, primaryColor: null, defaultOpen: false, pollIntervalMs: 3000,
  transport: "polling", transportOptions: {}, plugins: [],
  // Extensions beyond the source document's options: the hosted /chat page renders the
  // widget into an element (no launcher) and greets with the configured welcome message.
  container: null, welcomeMessage: "",
  // v1.1 (PROTOCOL.md §5): the language (else the page's, else the server's), light or dark
  // (else the system's), a tone for answers while closed, and attributes agents see.
  locale: null, colorScheme: "auto", sound: false, customAttributes: null,
};

export const COLOR_SCHEMES = ["light", "dark", "auto"];

export const TRANSPORT_DEFAULTS = {
  webSocketUrl: null, authToken: null, headers: {}, heartbeatMs: 10000, backoffBaseMs: 500,
  backoffMaxMs: 10000, longPollTimeoutMs: 30000, socketIoFactory: null,
};

/** Options whose data-* value is JSON. */
const JSON_OPTIONS = new Set(["userIdentifier", "transportOptions", "customAttributes"]);

/**
 * Options from a script tag's dataset (data-api-url → apiUrl): booleans as "" or "true",
 * numbers as numbers, objects as JSON; unknown names and plugins (code) are left out.
 * @param {Object<string, string>} dataset
 * @returns {Object<string, any>}
 */
export function optionsFromDataset(dataset) {
  /** @type {Object<string, any>} */
  const options = {};
  for (const [key, raw] of Object.entries(dataset || {})) {
    if (!(key in DEFAULTS) || key === "plugins") continue;
    const fallback = DEFAULTS[key];
    if (typeof fallback === "boolean") options[key] = raw === "" || raw === "true";
    else if (typeof fallback === "number") options[key] = Number(raw);
    else if (JSON_OPTIONS.has(key)) {
      try {
        options[key] = JSON.parse(raw);
      } catch (_error) {
        console.warn(`[SupportChat] data-${key} is not JSON; ignored.`);
      }
    } else options[key] = raw;
  }
  return options;
}
