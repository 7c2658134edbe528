/**
 * The widget's entry module, imported by the /widget.js loader: the real `SupportChat` methods,
 * the calls queued before they existed, and the launcher. The conversation's code (chat.js and
 * what it imports) is fetched on first open, or at once when there is a conversation to resume.
 */
import {DEFAULTS, optionsFromDataset} from "./options.js";
import {buildShell} from "./launcher.js";
import {Plugins} from "./plugins.js";
import {hasConversation, newSession, writeClientId} from "./identity.js";
import {applyBranding, loadConfig} from "./config.js";
import {uuid4} from "../shared/helpers.js";

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
    this.shell = null;
    this.destroyed = false;
  }

  mount() {
    const options = this.options;
    this.shell = buildShell({title: String(options.title), primaryColor: options.primaryColor},
      () => (this.chat && this.chat.isOpen ? this.chat.close() : this.open()));
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
      if (!this.chat) this.shell.launcher.setAttribute("aria-label", `Open chat: ${options.title}`);
      return server;
    });
    if (options.defaultOpen || container) this.open(Boolean(container));
    else if (hasConversation()) this.load();
  }

  /** The conversation's code, fetched once; null when the widget was destroyed meanwhile. */
  load() {
    if (!this.loading) {
      this.loading = Promise.all([import("./chat.js"), this.server]).then(([{Widget}, server]) => {
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

  const methods = {
    /** Start the widget: options over the script tag's data-* over the defaults. */
    init(options) {
      if (embed) methods.destroy();
      const merged = Object.assign({}, DEFAULTS, fromTag, options);
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
      if (embed) embed.close();
    },
    destroy() {
      if (embed) embed.destroy();
      embed = null;
    },
    /** Identify the customer for the next conversation (optionally HMAC-verified). */
    setUser(userIdentifier, identifierHash) {
      if (!embed) return;
      embed.options.userIdentifier = userIdentifier || null;
      embed.options.identifierHash = identifierHash || null;
    },
    /** Mint a new clientId and start over: the old conversations stay with the old id. */
    rotateIdentity() {
      return embed ? embed.rotateIdentity() : writeClientId(uuid4());
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
