/**
 * The widget's entry module, imported by the /widget.js loader: the real `SupportChat` methods,
 * the calls queued before they existed, and the launcher. The conversation's code (chat.js and
 * what it imports) is fetched on first open, or at once when there is a conversation to resume.
 */
import {COLOR_SCHEMES, DEFAULTS, optionsFromDataset} from "./options.js";
import {buildShell, labelLauncher} from "./launcher.js";
import {Plugins} from "./plugins.js";
import {hasConversation, newSession, writeClientId} from "./identity.js";
import {applyBranding, loadConfig} from "./config.js";
import {LOCALES, locale, pickLocale, useLocale} from "./strings.js";
import {uuid4} from "../shared/helpers.js";

/** @param {string} message */
const warn = (message) => console.warn(`[SupportChat] ${message}`);

/** One widget on the page: the launcher now, the conversation when it is needed. */
class Embed {
  /**
   * @param {Object<string, any>} options the merged options
   * @param {Set<string>} [given] the names of the options the page set (they beat the server's)
   */
  constructor(options, given = new Set()) {
    this.options = options;
    this.given = given;
    /** @type {Promise<{config: object|null, refused: boolean}>|null} */
    this.server = null;
    this.plugins = new Plugins(options.plugins);
    /** @type {import("./chat.js").Widget|null} */
    this.chat = null;
    /** @type {Promise<import("./chat.js").Widget|null>|null} */
    this.loading = null;
    /** @type {Promise<void>|null} the current language's words, once they are here */
    this.language = null;
    this.shell = null;
    this.destroyed = false;
  }

  mount() {
    const options = this.options;
    this.shell = buildShell({title: String(options.title), primaryColor: options.primaryColor},
      () => this.toggle());
    this.setColorScheme(options.colorScheme);
    const container = typeof options.container === "string"
      ? document.querySelector(options.container) : options.container;
    if (container) {
      this.shell.host.dataset.mode = "inline";
      container.append(this.shell.host);
    } else {
      document.body.append(this.shell.host);
    }
    this.plugins.notify("onWidgetMount");
    this.server = loadConfig(new URL(options.apiUrl, location.href).href).then((server) => {
      applyBranding(options, server.config, this.given);
      if (options.primaryColor) this.shell.host.style.setProperty("--cs-primary", options.primaryColor);
      if (!this.chat) labelLauncher(this.shell.launcher, options.title);
      return server;
    });
    // The page's choice, else its browser's language, else the server's (PROTOCOL.md §5).
    const chosen = pickLocale(options.locale, navigator.language);
    this.speak(chosen ? Promise.resolve(chosen)
      : this.server.then(({config}) => pickLocale(config && config.locale) || "en"));
    if (options.defaultOpen || container) this.open(Boolean(container));
    else if (hasConversation()) this.load();
  }

  /** The conversation's code, fetched once; null when the widget was destroyed meanwhile. */
  load() {
    if (!this.loading) {
      this.loading = Promise.all([import("./chat.js"), this.server, this.language]).then(([{Widget}, server]) => {
        if (this.destroyed) return null;
        this.chat = new Widget(this.options, this.plugins, this.shell, server);
        this.chat.mount();
        return this.chat;
      });
    }
    return this.loading;
  }

  /** @param {boolean} [focus] */
  open(focus = true) {
    this.load().then((chat) => chat && chat.open(focus), (error) => {
      console.warn("[SupportChat] the chat could not be loaded:", error);
    });
  }

  close() {
    if (this.chat) this.chat.close();
  }

  toggle() {
    if (this.chat && this.chat.isOpen) this.close();
    else this.open();
  }

  /** Show the widget in the language `code` will be (a promise of one of LOCALES). */
  speak(code) {
    this.language = code.then(useLocale).then((now) => {
      if (!now || !this.shell) return;
      this.shell.host.lang = locale();
      if (this.chat) this.chat.relabel();
      else labelLauncher(this.shell.launcher, this.options.title);
    }, (error) => warn(`the widget's words could not be loaded: ${error}`));
  }

  /** @param {string} code one of LOCALES */
  setLocale(code) {
    this.options.locale = code;
    if (this.shell) this.speak(Promise.resolve(code));
  }

  /** @param {string} scheme one of COLOR_SCHEMES */
  setColorScheme(scheme) {
    if (!COLOR_SCHEMES.includes(scheme)) return warn(`colorScheme is one of ${COLOR_SCHEMES.join(", ")}.`);
    this.options.colorScheme = scheme;
    if (this.shell) this.shell.host.dataset.scheme = scheme;
  }

  destroy() {
    this.destroyed = true;
    if (this.chat) this.chat.destroy();
    if (this.shell) this.shell.host.remove();
    this.plugins.notify("onWidgetUnmount");
  }

  rotateIdentity() {
    if (this.chat) return this.chat.rotateIdentity();
    newSession();
    return writeClientId(uuid4());
  }
}

/**
 * Attributes `add` on top of `current`; a null value removes one. @param {object|null} current
 * @param {Object<string, any>} add @returns {Object<string, any>}
 */
export function mergeAttributes(current, add) {
  const merged = Object.assign({}, current, add);
  for (const [key, value] of Object.entries(merged)) {
    if (value === null || value === undefined) delete merged[key];
  }
  return merged;
}

/**
 * Give the loader's `SupportChat` its real methods and replay what was queued.
 * @param {{q: any[]} & Object<string, any>} api the object the loader put on window
 * @param {Object<string, string>} dataset the loader's script tag's data-* attributes
 */
export function boot(api, dataset) {
  const fromTag = optionsFromDataset(dataset);
  /** @type {Embed|null} */
  let embed = null;

  function whenReady(run) {
    if (document.body) run();
    else document.addEventListener("DOMContentLoaded", run, {once: true});
  }

  /** What the SDK set before `init`; options given to `init` win over it. */
  const preset = {};
  const current = () => (embed ? embed.options : preset);

  const methods = {
    /** Start the widget: options over the script tag's data-* over the defaults. */
    init(options) {
      if (embed) methods.destroy();
      const merged = Object.assign({}, DEFAULTS, fromTag, preset, options);
      const instance = new Embed(merged, new Set([...Object.keys(fromTag),
        ...Object.keys(options || {})]));
      embed = instance;
      instance.plugins.notify("onInit", {apiUrl: merged.apiUrl, title: merged.title,
        transport: typeof merged.transport === "function" ? "custom" : merged.transport});
      whenReady(() => {
        if (embed === instance) instance.mount();
      });
      return api;
    },
    open() {
      if (embed && embed.shell) embed.open();
      else if (embed) embed.options.defaultOpen = true;
    },
    close() {
      if (embed && embed.shell) embed.close();
      else if (embed) embed.options.defaultOpen = false;
    },
    toggle() {
      if (embed && embed.shell) embed.toggle();
      else if (embed) embed.options.defaultOpen = !embed.options.defaultOpen;
    },
    destroy() {
      if (embed) embed.destroy();
      embed = null;
    },
    /** Identify the customer (optionally HMAC-verified); an open ticket follows at the next message. */
    setUser(userIdentifier, identifierHash) {
      Object.assign(current(), {userIdentifier: userIdentifier || null,
        identifierHash: identifierHash || null});
    },
    /** Attributes sent as metadata with each message, shown to agents; null removes one. */
    setCustomAttributes(attributes) {
      if (!attributes || typeof attributes !== "object" || Array.isArray(attributes)) {
        return warn("setCustomAttributes takes an object, such as {plan: \"pro\"}.");
      }
      current().customAttributes = mergeAttributes(current().customAttributes, attributes);
    },
    /** Speak `code` (en, de, fr, es, pt; "de-AT" is de), relabelling what is shown. */
    setLocale(code) {
      const chosen = pickLocale(code);
      if (!chosen) return warn(`setLocale: "${code}" is not one of ${LOCALES.join(", ")}.`);
      if (embed) embed.setLocale(chosen);
      else preset.locale = chosen;
    },
    /** "light", "dark" or "auto" (the system's). */
    setColorScheme(scheme) {
      if (embed) embed.setColorScheme(scheme);
      else preset.colorScheme = scheme; // checked when the widget mounts
    },
    /** Mint a new clientId and start over: the old conversations stay with the old id. */
    rotateIdentity() {
      return embed ? embed.rotateIdentity() : writeClientId(uuid4());
    },
    /** Sign-out on the site: a new identity, no customer details, an empty conversation. */
    reset() {
      const nobody = {userIdentifier: null, identifierHash: null, customAttributes: null};
      Object.assign(preset, nobody);
      if (embed) {
        Object.assign(embed.options, nobody);
        return embed.rotateIdentity();
      }
      newSession();
      return writeClientId(uuid4());
    },
  };

  const queued = api.q.splice(0);
  Object.assign(api, methods);
  // A snippet that runs later and still pushes onto SupportChat.q is served at once.
  api.q = {push: ([method, ...args]) => (typeof methods[method] === "function" ? methods[method](...args) : undefined)};
  for (const [method, ...args] of queued) {
    if (typeof methods[method] === "function") methods[method](...args);
  }
  if (!queued.some(([method]) => method === "init") && Object.keys(fromTag).length) methods.init({});
}
