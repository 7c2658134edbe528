/*!
 * supportchat customer widget (PROTOCOL.md §5). Framework-free; the only global is `SupportChat`.
 *
 *   <script src="https://support.example.com/widget.js" async data-title="Help"></script>
 * or, after the script has loaded, SupportChat.init({apiUrl, title, transport: "websocket", …}).
 * Calls made before it loads are replayed when they were queued as
 *   window.SupportChat = window.SupportChat || {q: []}; SupportChat.q.push(["init", {...}]);
 *
 * The websocket transport loads the vendored Socket.IO client (static/socket.io.min.js, v4.8.4)
 * from the support server on demand, unless transportOptions.socketIoFactory is given (hosts
 * that run an AMD loader such as require.js must give one).
 */
(function () {
  "use strict";

  const SCRIPT = /** @type {HTMLScriptElement|null} */ (document.currentScript);
  const SCRIPT_ORIGIN = SCRIPT && SCRIPT.src ? new URL(SCRIPT.src, location.href).origin
    : location.origin;
  const CLIENT_ID_KEY = "cs_client_id";
  const SESSION_KEY = "cs_session";
  const OUTBOX_KEY = "cs_outbox";
  const ID_TTL_SECONDS = 180 * 24 * 3600;
  const SEND_TIMEOUT_MS = 15000;
  const UPLOAD_TIMEOUT_MS = 120000;
  const AUTO_RETRIES = 5;
  const PLUGIN_RETRIES = 3;
  const TYPING_IDLE_MS = 3000;
  const TYPING_SHOWN_MS = 6000;
  const OFFLINE = "Not connected to support right now; it will be sent when the connection is back.";
  const RETRYABLE = new Set(["network", "timeout", "offline", "unavailable", "rate_limited",
    "internal"]);

  /**
   * @typedef {{id: string, name: string, size: number, type: string, url: string}} ChatFile
   * @typedef {{id: string, ticketId: string, seq: number, clientMsgId: (string|null),
   *   sender: {id?: string, role: string, name: string}, text: string,
   *   attachments: ChatFile[], kind: string, createdAt: string}} Message
   * @typedef {{clientId: string, sessionId: string, message: string,
   *   metadata: object, userIdentifier: (object|undefined), identifierHash: (string|undefined),
   *   clientMsgId: string, attachments: string[]}} SendPayload
   * @typedef {{ticketId?: string, status?: string, message?: Message, replies?: Message[],
   *   reply?: string}} SendResult
   * @typedef {{sessionId: string, ticketId: (string|null)}} Session
   * @typedef {{messages(list: Message[], info: {status?: string, live: boolean}): void,
   *   ticket(ticket: {id: string, status: string}): void,
   *   typing(event: {ticketId: string, sender: {role: string, name: string}, typing: boolean}): void,
   *   read(event: {ticketId: string, role: string, seq: number}): void,
   *   connection(event: {state: string, reason?: string}): void,
   *   telemetry(event: object): void, error(error: ChatError): void}} TransportEvents
   * @typedef {{apiUrl: string, uploadUrl: string, serverUrl: string, options: object,
   *   clientId(): string, session(): Session, lastSeq(): number, on: TransportEvents}} TransportContext
   * @typedef {{start(): void, stop(): void, send(payload: SendPayload): Promise<SendResult>,
   *   resync(): void, ensureTicket?(payload: SendPayload): Promise<string>,
   *   typing?(typing: boolean): void, read?(seq: number): void}} Transport
   */

  // ---------------------------------------------------------------- errors and HTTP

  /** An error with a PROTOCOL.md §1 code and a message a customer can act on. */
  class ChatError extends Error {
    /** @param {string} code @param {string} message @param {object} [details] */
    constructor(code, message, details) {
      super(message);
      this.code = code;
      this.details = details || {};
      this.retryable = RETRYABLE.has(code);
    }
  }

  /** @param {{code?: string, message?: string, details?: object}|undefined} body */
  function errorFromBody(body, retryAfterSeconds) {
    if (!body || !body.code) {
      return new ChatError("internal", "The support server sent an answer we could not read; "
        + "please try again.");
    }
    const details = Object.assign({}, body.details);
    if (details.retryAfterMs === undefined && retryAfterSeconds) {
      details.retryAfterMs = Number(retryAfterSeconds) * 1000;
    }
    return new ChatError(body.code, body.message || "Something went wrong; please try again.",
      details);
  }

  /** @param {unknown} error @returns {ChatError} */
  function asChatError(error) {
    if (error instanceof ChatError) return error;
    const message = error && typeof error === "object" && "message" in error
      ? String(error.message) : "Something went wrong; please try again.";
    return new ChatError("internal", message);
  }

  /**
   * fetch() with a deadline, JSON in and out, and PROTOCOL.md error bodies turned into ChatError.
   * @param {string} url
   * @param {{method?: string, headers?: object, body?: object|FormData, timeoutMs?: number,
   *   signal?: AbortSignal}} [init]
   */
  async function request(url, init) {
    const {method = "GET", headers = {}, body, timeoutMs = SEND_TIMEOUT_MS, signal} = init || {};
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const cancel = () => controller.abort();
    if (signal) signal.addEventListener("abort", cancel);
    const form = typeof FormData !== "undefined" && body instanceof FormData;
    try {
      let response;
      try {
        response = await fetch(url, {
          method,
          headers: body && !form ? Object.assign({"Content-Type": "application/json"}, headers)
            : headers,
          body: body === undefined ? undefined : form ? body : JSON.stringify(body),
          signal: controller.signal,
        });
      } catch (_error) {
        if (signal && signal.aborted) throw new ChatError("aborted", "Cancelled.");
        if (controller.signal.aborted) {
          throw new ChatError("timeout", "The support server did not answer in time; "
            + "trying again.");
        }
        throw new ChatError("network", "Can't reach the support server; check your "
          + "connection. Trying again.");
      }
      let data = null;
      try {
        data = await response.json();
      } catch (_error) {
        data = null; // not JSON: judged by the status below
      }
      if (response.ok && data) return data;
      if (data && data.error) throw errorFromBody(data.error, response.headers.get("Retry-After"));
      throw new ChatError(response.status >= 500 ? "unavailable" : "invalid",
        `The support server answered with HTTP ${response.status}; please try again later.`,
        {status: response.status});
    } finally {
      clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", cancel);
    }
  }

  /** Exponential backoff with jitter: attempt 1 waits about `base`, never more than `max`. */
  function backoff(options, attempt) {
    const exact = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(exact * (0.5 + Math.random() / 2));
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function withQuery(url, params) {
    const target = new URL(url, location.href);
    for (const [key, value] of Object.entries(params)) target.searchParams.set(key, String(value));
    return target.toString();
  }

  /** Authorization, custom headers and the client id, for every HTTP request. */
  function httpHeaders(options, clientId) {
    const headers = Object.assign({}, options.headers, {"X-Client-Id": clientId});
    if (options.authToken) headers.Authorization = `Bearer ${options.authToken}`;
    return headers;
  }

  // ---------------------------------------------------------------- identity and storage

  /** localStorage that degrades to memory where it is blocked (private modes, sandboxes). */
  const storage = (function () {
    const memory = new Map();
    return {
      get(key) {
        try {
          const raw = localStorage.getItem(key);
          return raw === null ? memory.get(key) : JSON.parse(raw);
        } catch (_error) {
          return memory.get(key); // blocked storage or a corrupted record
        }
      },
      set(key, value) {
        memory.set(key, value);
        try {
          localStorage.setItem(key, JSON.stringify(value));
        } catch (_error) {
          /* memory only */
        }
      },
      remove(key) {
        memory.delete(key);
        try {
          localStorage.removeItem(key);
        } catch (_error) {
          /* memory only */
        }
      },
    };
  })();

  /** A version 4 UUID from the browser's CSPRNG (randomUUID needs a secure context). */
  function uuid4() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  function readCookie(name) {
    const match = document.cookie.split("; ").find((part) => part.startsWith(name + "="));
    return match ? decodeURIComponent(match.slice(name.length + 1)) : null;
  }

  function writeClientId(id) {
    const secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = `${CLIENT_ID_KEY}=${id}; SameSite=Lax; Path=/; Max-Age=${ID_TTL_SECONDS}${secure}`;
    storage.set(CLIENT_ID_KEY, {id, refreshedAt: Date.now()});
    return id;
  }

  /** The browser's clientId: kept, refreshed every TTL/4, re-minted when missing, corrupted
   * or unused for a whole TTL. */
  function loadClientId() {
    const record = storage.get(CLIENT_ID_KEY);
    const age = record && typeof record.refreshedAt === "number"
      ? (Date.now() - record.refreshedAt) / 1000 : Infinity;
    if (record && UUID4.test(record.id) && age < ID_TTL_SECONDS) {
      return age > ID_TTL_SECONDS / 4 || readCookie(CLIENT_ID_KEY) !== record.id
        ? writeClientId(record.id) : record.id;
    }
    const cookie = readCookie(CLIENT_ID_KEY);
    return writeClientId(cookie && UUID4.test(cookie) ? cookie : uuid4());
  }

  /** @returns {Session} */
  function loadSession() {
    const stored = storage.get(SESSION_KEY);
    if (stored && typeof stored.sessionId === "string" && /^[A-Za-z0-9_-]{1,128}$/.test(stored.sessionId)) {
      return {sessionId: stored.sessionId, ticketId: typeof stored.ticketId === "string" ? stored.ticketId : null};
    }
    return newSession();
  }

  /** @returns {Session} */
  function newSession() {
    const session = {sessionId: uuid4(), ticketId: null};
    storage.set(SESSION_KEY, session);
    storage.remove(OUTBOX_KEY);
    return session;
  }

  // ---------------------------------------------------------------- transports

  /**
   * POST /api/chat to send, GET /api/chat?sessionId&since&wait (long polling) to receive.
   * @param {TransportContext} ctx @returns {Transport}
   */
  function pollingTransport(ctx) {
    const options = ctx.options;
    let generation = 0;
    let timer = null;
    let controller = null;
    let failures = 0;
    let state = "idle";
    let stopped = false;

    function setState(next, reason) {
      if (next === state) return;
      state = next;
      ctx.on.connection(reason ? {state: next, reason} : {state: next});
    }

    function schedule(ms) {
      clearTimeout(timer);
      if (!stopped && options.pollIntervalMs > 0 && ctx.session().ticketId) {
        timer = setTimeout(poll, ms);
      }
    }

    async function poll() {
      const mine = ++generation;
      const since = ctx.lastSeq();
      const wait = Math.max(0, Math.min(30, Math.floor(options.longPollTimeoutMs / 1000) - 5));
      const started = Date.now();
      controller = new AbortController();
      try {
        const body = await request(withQuery(ctx.apiUrl, {sessionId: ctx.session().sessionId, since, wait}), {
          headers: httpHeaders(options, ctx.clientId()),
          timeoutMs: options.longPollTimeoutMs,
          signal: controller.signal,
        });
        if (mine !== generation) return;
        failures = 0;
        setState("connected");
        ctx.on.telemetry({type: "poll", since, received: body.messages.length, ms: Date.now() - started});
        ctx.on.messages(body.messages, {status: body.status, live: false});
        if (body.status === "closed") return;
        // A server that answers at once (no long polling) is asked at most every pollIntervalMs.
        schedule(body.messages.length ? 0 : Math.max(0, options.pollIntervalMs - (Date.now() - started)));
      } catch (error) {
        if (mine !== generation || error.code === "aborted") return;
        if (!error.retryable) {
          ctx.on.error(error);
          return;
        }
        failures += 1;
        setState("reconnecting", error.message);
        schedule(error.details.retryAfterMs || backoff(options, failures));
      }
    }

    return {
      start() {
        if (ctx.session().ticketId) {
          setState("connecting");
          schedule(0);
        }
      },
      stop() {
        stopped = true;
        generation += 1;
        clearTimeout(timer);
        if (controller) controller.abort();
      },
      async send(payload) {
        const started = Date.now();
        const body = await request(ctx.apiUrl, {
          method: "POST", headers: httpHeaders(options, ctx.clientId()), body: payload,
        });
        ctx.on.telemetry({type: "send", transport: "polling", ms: Date.now() - started});
        setState("connected");
        return body;
      },
      resync() {
        generation += 1;
        if (controller) controller.abort();
        schedule(0);
      },
    };
  }

  let socketIoLoading = null;

  /** The vendored Socket.IO client's `io`, loaded once, without leaving a global behind. */
  function loadSocketIo(serverUrl) {
    if (!socketIoLoading) {
      socketIoLoading = new Promise((resolve, reject) => {
        const previous = Object.getOwnPropertyDescriptor(window, "io");
        const script = document.createElement("script");
        script.src = `${serverUrl}/static/socket.io.min.js`;
        script.async = true;
        script.onload = () => {
          const io = window.io;
          if (previous) Object.defineProperty(window, "io", previous);
          else delete window.io;
          script.remove();
          if (typeof io === "function") resolve(io);
          else reject(new Error("socket.io client did not load"));
        };
        script.onerror = () => {
          socketIoLoading = null;
          script.remove();
          reject(new Error("socket.io client did not load"));
        };
        document.head.appendChild(script);
      });
    }
    return socketIoLoading;
  }

  /**
   * Socket.IO namespace /guest: ticket:create, chat:message, ticket:join {sinceSeq} after every
   * (re)connect, typing and read. Socket.IO's own ping/pong is the heartbeat; heartbeatMs bounds
   * how long an event may wait for its acknowledgement before it counts as failed.
   * @param {TransportContext} ctx @returns {Transport}
   */
  function socketTransport(ctx) {
    const options = ctx.options;
    let socket = null;
    let stopped = false;
    let failures = 0;
    let retryTimer = null;
    const attempt = (number) => {
      ctx.on.telemetry({type: "reconnect_attempt", attempt: number});
      ctx.on.connection({state: "reconnecting"});
    };

    function connectLater(error) {
      failures += 1;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => socket.connect(),
        (error && error.details.retryAfterMs) || backoff(options, failures));
    }

    function emit(event, payload) {
      return new Promise((resolve, reject) => {
        if (!socket || !socket.connected) {
          reject(new ChatError("offline", OFFLINE));
          return;
        }
        socket.timeout(options.heartbeatMs).emit(event, payload, (timeout, ack) => {
          if (timeout) reject(new ChatError("timeout", "The support server did not answer in time; trying again."));
          else if (!ack || !ack.ok) reject(errorFromBody(ack && ack.error));
          else resolve(ack);
        });
      });
    }

    async function join() {
      const {ticketId} = ctx.session();
      if (!ticketId) return;
      const since = ctx.lastSeq();
      const ack = await emit("ticket:join", since > 0 ? {ticketId, sinceSeq: since} : {ticketId});
      ctx.on.telemetry({type: "join", since, received: ack.messages.length});
      ctx.on.ticket(ack.ticket);
      ctx.on.messages(ack.messages, {status: ack.ticket.status, live: false});
    }

    async function connected() {
      try {
        await join();
        failures = 0;
        ctx.on.connection({state: "connected"});
      } catch (error) {
        if (!error.retryable) {
          ctx.on.error(error);
          return;
        }
        socket.disconnect(); // join again, on a fresh connection, a little later
        connectLater(error);
      }
    }

    function refused(error) {
      // The server refused this connection (not a network failure): Socket.IO will not retry.
      const data = error.data || {};
      const chatError = new ChatError(data.code || "unavailable", error.message, data.details);
      ctx.on.connection({state: "disconnected", reason: chatError.message});
      if (chatError.retryable) connectLater(chatError);
      else ctx.on.error(chatError);
    }

    function open(io) {
      const target = new URL(options.webSocketUrl || ctx.serverUrl, location.href);
      const origin = target.origin.replace(/^ws/, "http");
      const path = target.pathname && target.pathname !== "/" ? target.pathname : "/socket.io";
      socket = io(`${origin}/guest`, {
        path,
        auth: (give) => give(options.authToken ? {clientId: ctx.clientId(), token: options.authToken}
          : {clientId: ctx.clientId()}),
        transports: ["websocket", "polling"],
        tryAllTransports: true,
        forceNew: true, // a Manager of our own: stop() must not touch anyone else's socket
        extraHeaders: httpHeaders(options, ctx.clientId()),
        reconnectionDelay: options.backoffBaseMs,
        reconnectionDelayMax: options.backoffMaxMs,
      });
      socket.on("connect", connected);
      socket.on("disconnect", (reason) => {
        ctx.on.connection({state: "disconnected", reason});
        if (reason === "io server disconnect" && !stopped) connectLater(null);
      });
      socket.on("connect_error", (error) => {
        if (socket.active) ctx.on.connection({state: "reconnecting", reason: error.message});
        else refused(error);
      });
      socket.io.on("reconnect_attempt", attempt);
      const mine = (event) => event && event.ticketId === ctx.session().ticketId;
      socket.on("chat:message", (message) => {
        if (mine(message)) ctx.on.messages([message], {live: true});
      });
      socket.on("ticket:closed", (event) => {
        if (mine(event)) ctx.on.ticket({id: event.ticketId, status: "closed"});
      });
      socket.on("ticket:updated", (ticket) => {
        if (ticket && ticket.id === ctx.session().ticketId) ctx.on.ticket(ticket);
      });
      socket.on("typing", (event) => {
        if (mine(event)) ctx.on.typing(event);
      });
      socket.on("read", (event) => {
        if (mine(event)) ctx.on.read(event);
      });
    }

    function createPayload(payload) {
      const create = {sessionId: payload.sessionId, metadata: payload.metadata};
      if (payload.userIdentifier) create.userIdentifier = payload.userIdentifier;
      if (payload.identifierHash) create.identifierHash = payload.identifierHash;
      return create;
    }

    return {
      start() {
        ctx.on.connection({state: "connecting"});
        const factory = options.socketIoFactory
          ? Promise.resolve(options.socketIoFactory) : loadSocketIo(ctx.serverUrl);
        factory.then((io) => {
          if (!stopped) open(io);
        }, () => {
          ctx.on.error(new ChatError("unavailable", "The chat connection could not be loaded; "
            + "check your network and reload the page."));
        });
      },
      stop() {
        stopped = true;
        clearTimeout(retryTimer);
        if (socket) {
          socket.off();
          socket.io.off("reconnect_attempt", attempt);
          socket.disconnect();
        }
      },
      async send(payload) {
        const started = Date.now();
        let ack;
        const {ticketId} = ctx.session();
        if (ticketId) {
          ack = await emit("chat:message", {ticketId, text: payload.message,
            clientMsgId: payload.clientMsgId, attachments: payload.attachments});
        } else {
          ack = await emit("ticket:create", Object.assign(createPayload(payload), {
            text: payload.message, clientMsgId: payload.clientMsgId}));
        }
        ctx.on.telemetry({type: "send", transport: "websocket", ms: Date.now() - started});
        const ticket = ack.ticket || {id: ticketId, status: "open"};
        return {ticketId: ticket.id, status: ticket.status, message: ack.message, replies: []};
      },
      async ensureTicket(payload) {
        const {ticketId} = ctx.session();
        if (ticketId) return ticketId;
        const ack = await emit("ticket:create", createPayload(payload));
        return ack.ticket.id;
      },
      resync() {
        join().catch((error) => ctx.on.telemetry({type: "resync_failed", code: error.code}));
      },
      typing(typing) {
        const {ticketId} = ctx.session();
        if (ticketId && socket && socket.connected) socket.emit("typing", {ticketId, typing}, () => {});
      },
      read(seq) {
        const {ticketId} = ctx.session();
        if (ticketId && socket && socket.connected) socket.emit("read", {ticketId, seq}, () => {});
      },
    };
  }

  // ---------------------------------------------------------------- plugins

  function clone(value) {
    try {
      return structuredClone(value);
    } catch (_error) {
      return value; // functions or DOM nodes inside: hand over as is
    }
  }

  /** Runs plugin hooks in array order, each isolated: a failing hook is logged and skipped. */
  class Plugins {
    /** @param {object[]} plugins */
    constructor(plugins) {
      this.plugins = Array.isArray(plugins) ? plugins.filter(Boolean) : [];
    }

    /** Call `hook` on every plugin that has it; returns what each returned (awaited). */
    async each(hook, argsFor) {
      const results = [];
      for (const plugin of this.plugins) {
        if (typeof plugin[hook] !== "function") continue;
        try {
          results.push(await plugin[hook](...argsFor()));
        } catch (error) {
          console.warn(`[SupportChat] plugin ${plugin.name || "(unnamed)"} failed in ${hook}:`, error);
        }
      }
      return results;
    }

    /** Fire-and-forget lifecycle hooks (open, close, mount, unmount, init, telemetry…). */
    notify(hook, ...args) {
      this.each(hook, () => args.map(clone));
    }

    /** onBeforeSend: each plugin may replace the payload, answer instead of the server, or abort. */
    async beforeSend(payload) {
      let current = payload;
      for (const plugin of this.plugins) {
        const [result] = await new Plugins([plugin]).each("onBeforeSend", () => [clone(current)]);
        if (!result || typeof result !== "object") continue;
        if (result.abort) return {payload: current, abort: true};
        if (result.payload) current = Object.assign(clone(result.payload), {clientMsgId: payload.clientMsgId});
        if (result.response) return {payload: current, response: result.response};
      }
      return {payload: current};
    }

    /** onSendError: the first plugin asking for a retry wins. */
    async sendError(error, payload) {
      for (const plugin of this.plugins) {
        const [advice] = await new Plugins([plugin]).each("onSendError", () => [error, clone(payload)]);
        if (advice && advice.retry) return advice;
      }
      return null;
    }

    /** onMessages: each plugin may return {messages} to enrich or tag them. */
    async messages(list) {
      let current = list;
      for (const plugin of this.plugins) {
        const [result] = await new Plugins([plugin]).each("onMessages", () => [clone(current)]);
        if (result && Array.isArray(result.messages)) current = result.messages;
      }
      return current;
    }
  }

  // ---------------------------------------------------------------- DOM helpers

  /**
   * An element with attributes and children; strings become text nodes, so user text can never
   * become markup.
   * @param {string} tag @param {object} [attrs] @param {...(Node|string|null|false)} children
   */
  function h(tag, attrs, ...children) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
      else element.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === false || child === undefined) continue;
      element.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return element;
  }

  /** A 24×24 stroke icon from SVG path data. */
  function icon(...paths) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    for (const d of paths) {
      const path = document.createElementNS(ns, "path");
      path.setAttribute("d", d);
      svg.append(path);
    }
    return svg;
  }

  const ICONS = {
    chat: ["M4 5h16v11H9l-5 4z"],
    close: ["M6 6l12 12", "M18 6L6 18"],
    attach: ["M16.5 6.5l-7.8 7.8a2 2 0 0 0 2.8 2.8l7.8-7.8a4 4 0 0 0-5.7-5.7L5.8 11.4a6 6 0 0 0 8.5 8.5l6.2-6.2"],
    send: ["M4 12l16-8-6 16-2.5-6.5z", "M11.5 13.5L20 4"],
  };

  function formatTime(iso) {
    const date = iso ? new Date(iso) : new Date();
    return date.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
  }

  function formatSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  const STYLES = `
:host {
  all: initial;
  --_primary: var(--cs-primary, #0f766e);
  --_on-primary: var(--cs-on-primary, #ffffff);
  --_focus: var(--cs-focus-ring, #2563eb);
  --_bg: var(--cs-bg, #ffffff);
  --_surface: var(--cs-surface, #f4f6f8);
  --_text: var(--cs-text, #1b1f24);
  --_muted: var(--cs-muted, #5b6470);
  --_border: var(--cs-border, #d9dde3);
  --_user-bg: var(--cs-user-bubble-bg, var(--_primary));
  --_user-text: var(--cs-user-bubble-text, var(--_on-primary));
  --_bot-bg: var(--cs-bot-bubble-bg, #ffffff);
  --_bot-text: var(--cs-bot-bubble-text, var(--_text));
  --_input-bg: var(--cs-input-bg, #ffffff);
  --_input-text: var(--cs-input-text, var(--_text));
  --_input-border: var(--cs-input-border, #c5cbd3);
  --_input-placeholder: var(--cs-input-placeholder, #7a838f);
  --_control-bg: var(--cs-control-bg, transparent);
  --_control-text: var(--cs-control-text, var(--_muted));
  --_control-hover-bg: var(--cs-control-hover-bg, rgba(127, 127, 127, .15));
  --_error-bg: var(--cs-error-bg, #fef3f2);
  --_error-text: var(--cs-error-text, #b42318);
  --_error-border: var(--cs-error-border, #fda29b);
  --_typing-dot: var(--cs-typing-dot, #8a94a3);
  color-scheme: light dark;
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--_text);
}
@media (prefers-color-scheme: dark) {
  :host {
    --_focus: var(--cs-focus-ring, #60a5fa);
    --_bg: var(--cs-bg, #171a1f);
    --_surface: var(--cs-surface, #0f1115);
    --_text: var(--cs-text, #e7eaee);
    --_muted: var(--cs-muted, #9aa4b1);
    --_border: var(--cs-border, #2b313a);
    --_bot-bg: var(--cs-bot-bubble-bg, #242a32);
    --_input-bg: var(--cs-input-bg, #1d2127);
    --_input-border: var(--cs-input-border, #3a424d);
    --_input-placeholder: var(--cs-input-placeholder, #8a94a3);
    --_error-bg: var(--cs-error-bg, #3a1d1b);
    --_error-text: var(--cs-error-text, #fda29b);
    --_error-border: var(--cs-error-border, #7a2e29);
    --_typing-dot: var(--cs-typing-dot, #9aa4b1);
  }
}
:host([data-mode="inline"]) { position: relative; right: auto; bottom: auto; z-index: auto; display: block; height: 100%; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
svg { width: 22px; height: 22px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
:focus-visible { outline: 2px solid var(--_focus); outline-offset: 2px; }
button { font: inherit; cursor: pointer; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.launcher { position: relative; width: 58px; height: 58px; border-radius: 50%; border: 0; display: grid; place-items: center; background: var(--_primary); color: var(--_on-primary); box-shadow: 0 6px 20px rgba(0, 0, 0, .25); }
.launcher svg { width: 26px; height: 26px; }
.badge { position: absolute; top: -3px; right: -3px; min-width: 20px; height: 20px; padding: 0 5px; border-radius: 10px; display: grid; place-items: center; background: #d92d20; color: #fff; font-size: 12px; font-weight: 700; }
.panel { position: absolute; right: 0; bottom: 74px; width: min(380px, calc(100vw - 40px)); height: min(600px, calc(100vh - 114px)); display: flex; flex-direction: column; overflow: hidden; background: var(--_bg); color: var(--_text); border: 1px solid var(--_border); border-radius: 16px; box-shadow: 0 16px 48px rgba(0, 0, 0, .28); }
:host([data-mode="inline"]) .panel { position: static; width: 100%; height: 100%; border: 0; border-radius: 0; box-shadow: none; }
@media (max-width: 480px) {
  :host(:not([data-mode="inline"])) .panel { position: fixed; inset: 0; width: auto; height: auto; border: 0; border-radius: 0; }
  /* The open panel covers the screen; its header has the close button. */
  :host(:not([data-mode="inline"])) .panel:not([hidden]) + .launcher { display: none; }
}
.head { display: flex; align-items: center; gap: .5rem; padding: .8rem 1rem; background: var(--_primary); color: var(--_on-primary); }
.head .titles { flex: 1; min-width: 0; }
.head h2 { margin: 0; font-size: 1rem; font-weight: 650; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.head .status { margin: 0; font-size: .78rem; opacity: .9; }
.head :focus-visible { outline-color: var(--_on-primary); }
.icon-button { width: 38px; height: 38px; padding: 0; border: 0; border-radius: 10px; display: grid; place-items: center; background: transparent; color: inherit; }
.icon-button:hover { background: rgba(255, 255, 255, .16); }
:host([data-mode="inline"]) .head .icon-button { display: none; }
.log { flex: 1; margin: 0; padding: 1rem; overflow-y: auto; list-style: none; display: flex; flex-direction: column; gap: .55rem; background: var(--_surface); }
.hint { margin: 0; padding: 1.5rem 2rem 0; text-align: center; color: var(--_muted); font-size: .88rem; background: var(--_surface); }
.msg { display: flex; flex-direction: column; align-items: flex-start; max-width: 82%; }
.msg.mine { align-self: flex-end; align-items: flex-end; }
.msg.event { align-self: center; max-width: 100%; color: var(--_muted); font-size: .8rem; text-align: center; }
.name { margin: 0 .3rem .15rem; font-size: .74rem; color: var(--_muted); }
.bubble { padding: .5rem .8rem; border-radius: 16px 16px 16px 4px; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--_bot-bg); color: var(--_bot-text); border: 1px solid var(--_border); }
.mine .bubble { border-radius: 16px 16px 4px 16px; background: var(--_user-bg); color: var(--_user-text); border-color: transparent; }
.pending .bubble { opacity: .65; }
.failed .bubble { border: 1px solid var(--_error-border); }
.meta { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .15rem .3rem 0; font-size: .72rem; color: var(--_muted); }
.mine .meta { justify-content: flex-end; text-align: right; }
.meta .problem { color: var(--_error-text); }
.link-button { padding: 0; border: 0; background: none; color: var(--_primary); font-weight: 600; text-decoration: underline; }
.files { display: flex; flex-direction: column; gap: .3rem; margin-top: .3rem; }
.files a { color: inherit; }
.files img { display: block; max-width: 220px; max-height: 160px; border-radius: 10px; }
.typing { display: flex; align-items: center; gap: .4rem; min-height: 1.6rem; padding: 0 1rem; font-size: .78rem; color: var(--_muted); background: var(--_surface); }
.dots { display: inline-flex; gap: 3px; }
.dots i { width: 6px; height: 6px; border-radius: 50%; background: var(--_typing-dot); animation: cs-blink 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .15s; }
.dots i:nth-child(3) { animation-delay: .3s; }
@keyframes cs-blink { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .dots i { animation: none; } }
.alert { margin: .5rem .75rem 0; padding: .5rem .75rem; border: 1px solid var(--_error-border); border-radius: 10px; background: var(--_error-bg); color: var(--_error-text); font-size: .85rem; }
.closed { padding: .9rem 1rem; border-top: 1px solid var(--_border); text-align: center; background: var(--_bg); }
.closed p { margin: 0 0 .6rem; color: var(--_muted); }
.primary { padding: .55rem 1rem; border: 0; border-radius: 10px; background: var(--_primary); color: var(--_on-primary); font-weight: 600; }
.composer { display: flex; flex-wrap: wrap; align-items: flex-end; gap: .4rem; padding: .6rem; border-top: 1px solid var(--_border); background: var(--_bg); }
.composer textarea { flex: 1; min-width: 0; min-height: 42px; max-height: 132px; margin: 0; padding: .55rem .75rem; resize: none; border: 1px solid var(--_input-border); border-radius: 12px; background: var(--_input-bg); color: var(--_input-text); font: inherit; }
.composer textarea::placeholder { color: var(--_input-placeholder); }
.control { width: 42px; height: 42px; padding: 0; border: 1px solid transparent; border-radius: 12px; display: grid; place-items: center; background: var(--_control-bg); color: var(--_control-text); }
.control:hover { background: var(--_control-hover-bg); }
.send { background: var(--_primary); color: var(--_on-primary); }
.send:hover { background: var(--_primary); filter: brightness(1.1); }
.send[disabled] { opacity: .5; cursor: default; filter: none; }
.chips { flex-basis: 100%; display: flex; flex-wrap: wrap; gap: .35rem; }
.chips:empty { display: none; }
.chip { display: inline-flex; align-items: center; gap: .3rem; max-width: 100%; padding: .2rem .3rem .2rem .6rem; border: 1px solid var(--_border); border-radius: 999px; font-size: .78rem; background: var(--_surface); }
.chip span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.chip button { width: 22px; height: 22px; padding: 0; border: 0; border-radius: 50%; display: grid; place-items: center; background: transparent; color: var(--_muted); }
.chip svg { width: 14px; height: 14px; }
`;

  // ---------------------------------------------------------------- the widget

  const DEFAULTS = {
    apiUrl: `${SCRIPT_ORIGIN}/api/chat`, uploadUrl: null, title: "Support", userIdentifier: null,
    identifierHash: null, primaryColor: null, defaultOpen: false, pollIntervalMs: 3000,
    transport: "polling", transportOptions: {}, plugins: [],
    // Extensions beyond the source document's options: the hosted /chat page renders the
    // widget into an element (no launcher) and greets with the configured welcome message.
    container: null, welcomeMessage: "",
  };

  const TRANSPORT_DEFAULTS = {
    webSocketUrl: null, authToken: null, headers: {}, heartbeatMs: 10000, backoffBaseMs: 500,
    backoffMaxMs: 10000, longPollTimeoutMs: 30000, socketIoFactory: null,
  };

  class Widget {
    /** @param {object} options */
    constructor(options) {
      this.options = options;
      this.apiUrl = new URL(options.apiUrl, location.href).toString().replace(/\/$/, "");
      this.uploadUrl = new URL(options.uploadUrl || `${this.apiUrl}/upload`, location.href).toString();
      this.serverUrl = new URL(this.apiUrl).origin;
      this.transportOptions = Object.assign({}, TRANSPORT_DEFAULTS, options.transportOptions,
        {pollIntervalMs: options.pollIntervalMs});
      this.plugins = new Plugins(options.plugins);
      this.clientId = loadClientId();
      this.session = loadSession();
      /** @type {Map<string, object>} stored messages by id */
      this.messages = new Map();
      /** @type {object[]} the customer's unsent messages, oldest first */
      this.outbox = (storage.get(OUTBOX_KEY) || []).filter((entry) => entry && entry.clientMsgId)
        .map((entry) => Object.assign(entry, {state: "failed", retryable: true, error: OFFLINE}));
      this.lastSeq = 0;
      this.status = "open";
      this.agentReadSeq = 0;
      this.readSent = 0;
      this.unread = 0;
      this.isOpen = false;
      this.files = [];
      this.flushing = false;
      this.retryTimer = null;
      this.typingTimer = null;
      this.typingSent = 0;
      this.peerTypingTimer = null;
      this.elements = new Map();
      /** @type {object[]} answers a plugin gave instead of the server; never stored */
      this.localMessages = [];
    }

    // ---- lifecycle

    mount() {
      this.build();
      const container = typeof this.options.container === "string"
        ? document.querySelector(this.options.container) : this.options.container;
      if (container) {
        this.host.dataset.mode = "inline";
        container.append(this.host);
      } else {
        document.body.append(this.host);
      }
      this.onVisibility = () => this.markRead();
      document.addEventListener("visibilitychange", this.onVisibility);
      this.plugins.notify("onWidgetMount");
      this.render();
      this.startTransport();
      if (this.outbox.length) this.retryFailed();
      if (this.options.defaultOpen || container) this.open(Boolean(container));
    }

    destroy() {
      this.transport.stop();
      clearTimeout(this.retryTimer);
      clearTimeout(this.typingTimer);
      clearTimeout(this.peerTypingTimer);
      document.removeEventListener("visibilitychange", this.onVisibility);
      this.host.remove();
      this.plugins.notify("onWidgetUnmount");
    }

    startTransport() {
      const kind = this.options.transport;
      const options = this.transportOptions;
      /** @type {Transport} */
      let transport = null;
      const current = (handler) => (...args) => {
        if (this.transport === transport) handler(...args);
      };
      /** @type {TransportContext} */
      const ctx = {
        apiUrl: this.apiUrl, uploadUrl: this.uploadUrl, serverUrl: this.serverUrl, options,
        clientId: () => this.clientId,
        session: () => Object.assign({}, this.session),
        lastSeq: () => this.lastSeq,
        on: {
          messages: current((list, info) => this.receive(list, info)),
          ticket: current((ticket) => this.setStatus(ticket.status)),
          typing: current((event) => this.peerTyping(event)),
          read: current((event) => {
            if (event.role === "agent") {
              this.agentReadSeq = Math.max(this.agentReadSeq, event.seq);
              this.render();
            }
          }),
          connection: current((event) => this.connection(event)),
          telemetry: current((event) => this.plugins.notify("onTelemetry", event)),
          error: current((error) => this.transportError(error)),
        },
      };
      transport = typeof kind === "function" ? kind(ctx)
        : kind === "websocket" ? socketTransport(ctx) : pollingTransport(ctx);
      this.transport = transport;
      transport.start();
    }

    restartTransport() {
      this.transport.stop();
      this.startTransport();
    }

    // ---- opening and closing

    /** @param {boolean} [focus] move focus into the panel (not when the page opens it itself) */
    open(focus = true) {
      if (this.isOpen) return;
      this.isOpen = true;
      this.unread = 0;
      this.render();
      if (focus) this.input.focus();
      this.scrollToEnd();
      this.markRead();
      this.plugins.notify("onWidgetOpen");
    }

    close() {
      if (!this.isOpen || this.host.dataset.mode === "inline") return;
      this.isOpen = false;
      this.render();
      this.launcher.focus();
      this.plugins.notify("onWidgetClose");
    }

    // ---- identity

    setUser(userIdentifier, identifierHash) {
      this.options.userIdentifier = userIdentifier || null;
      this.options.identifierHash = identifierHash || null;
    }

    rotateIdentity() {
      this.clientId = writeClientId(uuid4());
      this.startConversation();
      return this.clientId;
    }

    /** Forget the current conversation and begin a new one (new sessionId). */
    startConversation() {
      this.session = newSession();
      this.messages.clear();
      this.localMessages = [];
      this.outbox = [];
      this.lastSeq = 0;
      this.agentReadSeq = 0;
      this.readSent = 0;
      this.status = "open";
      this.showAlert(null);
      this.restartTransport();
      this.render();
    }

    // ---- receiving

    /** Merge messages from the server: deduplicated by id, ordered by seq; a gap in a live
     * message asks the transport for what was missed. */
    async receive(list, info) {
      if (info.status) this.setStatus(info.status);
      const fresh = (list || []).filter((message) => message && message.ticketId === this.session.ticketId
        && !this.messages.has(message.id) && message.kind !== "note");
      if (!fresh.length) return;
      fresh.sort((a, b) => a.seq - b.seq);
      if (info.live && fresh[0].seq > this.lastSeq + 1) {
        this.plugins.notify("onTelemetry", {type: "gap", expected: this.lastSeq + 1, got: fresh[0].seq});
        this.transport.resync();
        return;
      }
      // Bookkeeping first, synchronously, so a message arriving meanwhile is judged correctly.
      let theirs = 0;
      for (const message of fresh) {
        this.messages.set(message.id, message);
        this.lastSeq = Math.max(this.lastSeq, message.seq);
        const index = this.outbox.findIndex((entry) => entry.clientMsgId === message.clientMsgId);
        if (message.sender.role === "guest") {
          if (message.clientMsgId && index >= 0) this.outbox.splice(index, 1);
        } else {
          theirs += 1;
        }
      }
      this.saveOutbox();
      if (!this.isOpen || document.visibilityState !== "visible") this.unread += theirs;
      if (theirs) this.peerTyping({typing: false});
      // Plugins may enrich what is shown; order and identity stay the server's.
      for (const message of await this.plugins.messages(fresh)) {
        if (message && this.messages.has(message.id)) this.messages.set(message.id, message);
      }
      this.render();
      this.markRead();
    }

    setStatus(status) {
      if (!status || status === this.status) return;
      this.status = status;
      if (status === "closed") {
        for (const entry of this.outbox) {
          Object.assign(entry, {state: "failed", retryable: false,
            error: "Not sent: this conversation has been closed."});
        }
        this.saveOutbox();
        if (this.host.shadowRoot.activeElement === this.input) this.newButton.focus();
      }
      this.render();
    }

    markRead() {
      if (!this.isOpen || document.visibilityState !== "visible" || this.lastSeq <= this.readSent) return;
      this.readSent = this.lastSeq;
      if (this.transport.read) this.transport.read(this.lastSeq);
    }

    peerTyping(event) {
      clearTimeout(this.peerTypingTimer);
      const show = Boolean(event.typing) && event.sender && event.sender.role !== "guest";
      this.typingLabel.textContent = show ? `${event.sender.name || "Support"} is typing…` : "";
      this.typingRow.hidden = !show;
      if (show) this.peerTypingTimer = setTimeout(() => this.peerTyping({typing: false}), TYPING_SHOWN_MS);
    }

    connection(event) {
      this.plugins.notify("onConnectionEvent", event);
      const labels = {connecting: "Connecting…", connected: "", reconnecting: "Reconnecting…",
        disconnected: "Offline — reconnecting…"};
      this.statusLine.textContent = labels[event.state] || "";
      if (event.state === "connected") {
        this.showAlert(null);
        this.retryFailed();
      }
    }

    transportError(error) {
      if (error.code === "not_found") {
        // The stored conversation is not this browser's any more (identity rotated, data
        // removed): start afresh rather than showing an error the customer cannot fix.
        this.startConversation();
        return;
      }
      this.statusLine.textContent = "";
      this.showAlert(error.message);
    }

    // ---- sending

    payload(entry) {
      /** @type {SendPayload} */
      const payload = {
        clientId: this.clientId, sessionId: this.session.sessionId, message: entry.text,
        metadata: {page: location.origin + location.pathname, language: navigator.language},
        clientMsgId: entry.clientMsgId, attachments: entry.attachments.map((file) => file.id),
      };
      if (this.options.userIdentifier) payload.userIdentifier = this.options.userIdentifier;
      if (this.options.identifierHash) payload.identifierHash = this.options.identifierHash;
      return payload;
    }

    submit() {
      const text = this.input.value.trim();
      const uploading = this.files.some((file) => file.uploading);
      if ((!text && !this.files.length) || uploading || this.status === "closed") return;
      this.outbox.push({clientMsgId: uuid4(), text, attachments: this.files.splice(0),
        createdAt: new Date().toISOString(), state: "pending", attempts: 0});
      this.saveOutbox();
      this.input.value = "";
      this.autoSize();
      this.stopTyping();
      this.render();
      this.scrollToEnd(true);
      this.flush();
    }

    /** Send the outbox in order, one at a time, so the server numbers messages as typed. */
    async flush() {
      if (this.flushing) return;
      this.flushing = true;
      try {
        for (;;) {
          const entry = this.outbox.find((item) => item.state === "pending" || item.retryable);
          if (!entry || entry.state !== "pending" || this.status === "closed") break;
          await this.deliver(entry);
        }
      } finally {
        this.flushing = false;
      }
    }

    async deliver(entry) {
      const before = await this.plugins.beforeSend(this.payload(entry));
      if (before.abort) {
        this.outbox.splice(this.outbox.indexOf(entry), 1);
        this.saveOutbox();
        this.render();
        return;
      }
      let payload = before.payload;
      for (let pluginRetries = 0; ; pluginRetries += 1) {
        try {
          const response = before.response || await this.transport.send(payload);
          this.plugins.notify("onAfterSend", payload, response);
          this.sent(entry, response);
          return;
        } catch (raw) {
          const error = asChatError(raw);
          const advice = pluginRetries < PLUGIN_RETRIES ? await this.plugins.sendError(error, payload) : null;
          if (!advice) {
            this.failed(entry, error);
            return;
          }
          await sleep(Number(advice.waitMs) || 0);
          if (advice.payload) payload = Object.assign(clone(advice.payload), {clientMsgId: entry.clientMsgId});
        }
      }
    }

    /** @param {object} entry @param {SendResult} response */
    sent(entry, response) {
      const index = this.outbox.indexOf(entry);
      if (index >= 0) this.outbox.splice(index, 1);
      this.saveOutbox();
      const newTicket = Boolean(response.ticketId) && response.ticketId !== this.session.ticketId;
      if (newTicket) {
        this.session.ticketId = response.ticketId;
        storage.set(SESSION_KEY, this.session);
      }
      const replies = response.replies || [];
      if (response.message) {
        this.receive([response.message, ...replies], {status: response.status, live: true});
        if (newTicket) this.transport.resync(); // the polling transport starts listening now
      } else {
        // A plugin answered instead of the server: show the message, store nothing.
        this.localMessages.push({id: `local-${entry.clientMsgId}`, seq: this.lastSeq + 0.5,
          clientMsgId: entry.clientMsgId, sender: {role: "guest", name: "You"}, text: entry.text,
          attachments: entry.attachments, kind: "message", createdAt: entry.createdAt});
      }
      // `reply` is an automatic answer the server returned without storing it as a message.
      if (response.reply && !replies.some((message) => message.text === response.reply)) {
        const after = response.message ? response.message.seq : this.lastSeq;
        this.localMessages.push({id: `local-reply-${entry.clientMsgId}`, seq: after + 0.75,
          sender: {role: "bot", name: this.options.title}, text: String(response.reply),
          attachments: [], kind: "message", createdAt: new Date().toISOString()});
      }
      this.render();
    }

    failed(entry, error) {
      if (this.outbox.indexOf(entry) < 0) return; // the broadcast already confirmed it
      entry.attempts += 1;
      Object.assign(entry, {state: "failed", retryable: error.retryable, error: error.message});
      this.plugins.notify("onTelemetry", {type: "send_failed", code: error.code, attempts: entry.attempts});
      if (error.code === "ticket_closed") this.setStatus("closed");
      if (error.retryable && entry.attempts < AUTO_RETRIES) {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.retryFailed(),
          error.details.retryAfterMs || backoff(this.transportOptions, entry.attempts));
      }
      this.saveOutbox();
      this.render();
    }

    /** Put every retryable failure back in line and send (same clientMsgId: no duplicates). */
    retryFailed(only) {
      for (const entry of this.outbox) {
        if (entry.state === "failed" && (only ? entry === only : entry.retryable)) {
          Object.assign(entry, {state: "pending", error: null});
          if (only) entry.attempts = 0;
        }
      }
      this.render();
      this.flush();
    }

    dismiss(entry) {
      this.outbox.splice(this.outbox.indexOf(entry), 1);
      this.saveOutbox();
      this.render();
    }

    saveOutbox() {
      const keep = this.outbox.filter((entry) => entry.retryable !== false || entry.state === "pending");
      storage.set(OUTBOX_KEY, keep.map(({clientMsgId, text, attachments, createdAt}) =>
        ({clientMsgId, text, attachments, createdAt, attempts: 0})));
    }

    // ---- typing and files

    onInput() {
      this.autoSize();
      if (!this.transport.typing || this.status === "closed") return;
      clearTimeout(this.typingTimer);
      if (!this.input.value.trim()) {
        this.stopTyping();
        return;
      }
      if (Date.now() - this.typingSent > 2000) {
        this.typingSent = Date.now();
        this.transport.typing(true);
      }
      this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
    }

    stopTyping() {
      clearTimeout(this.typingTimer);
      if (this.typingSent && this.transport.typing) this.transport.typing(false);
      this.typingSent = 0;
    }

    async upload(file) {
      this.showAlert(null);
      const chip = {name: file.name, uploading: true};
      this.files.push(chip);
      this.renderChips();
      try {
        const payload = this.payload({clientMsgId: "", text: "", attachments: []});
        const ticketId = this.transport.ensureTicket ? await this.transport.ensureTicket(payload) : null;
        if (ticketId && ticketId !== this.session.ticketId) {
          this.session.ticketId = ticketId;
          storage.set(SESSION_KEY, this.session);
        }
        const form = new FormData();
        form.append("file", file);
        form.append("sessionId", this.session.sessionId);
        form.append("clientId", this.clientId);
        const body = await request(this.uploadUrl, {method: "POST", body: form,
          headers: httpHeaders(this.transportOptions, this.clientId), timeoutMs: UPLOAD_TIMEOUT_MS});
        Object.assign(chip, body.file, {uploading: false});
      } catch (error) {
        this.files.splice(this.files.indexOf(chip), 1);
        this.showAlert(`${file.name}: ${asChatError(error).message}`);
      }
      this.renderChips();
    }

    // ---- DOM

    build() {
      this.host = h("div", {"data-supportchat": ""});
      const root = this.host.attachShadow({mode: "open"});
      if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLES);
        root.adoptedStyleSheets = [sheet];
      } else {
        root.append(h("style", {}, STYLES));
      }
      if (this.options.primaryColor) this.host.style.setProperty("--cs-primary", this.options.primaryColor);
      const title = String(this.options.title || DEFAULTS.title);
      this.badge = h("span", {class: "badge", part: "badge", hidden: true, "aria-hidden": "true"});
      this.launcher = h("button", {type: "button", class: "launcher", part: "launcher",
        "aria-controls": "cs-panel", "aria-expanded": "false", "aria-label": `Open chat: ${title}`,
        onclick: () => (this.isOpen ? this.close() : this.open())}, icon(...ICONS.chat), this.badge);
      this.statusLine = h("p", {class: "status", role: "status"});
      this.log = h("ol", {class: "log", part: "log", role: "log", "aria-live": "polite",
        "aria-label": "Messages", tabindex: "0"});
      this.hint = h("p", {class: "hint"}, "Send us a message and we will answer here.");
      this.typingLabel = h("span");
      this.typingRow = h("div", {class: "typing", hidden: true, "aria-live": "polite"},
        h("span", {class: "dots", "aria-hidden": "true"}, h("i"), h("i"), h("i")), this.typingLabel);
      this.alert = h("div", {class: "alert", role: "alert", hidden: true});
      this.newButton = h("button", {type: "button", class: "primary",
        onclick: () => {
          this.startConversation();
          this.input.focus();
        }}, "Start a new conversation");
      this.closedBox = h("div", {class: "closed", part: "closed", hidden: true},
        h("p", {}, "This conversation has been closed."), this.newButton);
      this.input = h("textarea", {id: "cs-input", rows: "1", placeholder: "Write a message…",
        "aria-label": "Message",
        oninput: () => this.onInput(),
        onkeydown: (event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            this.submit();
          }
        }});
      this.fileInput = h("input", {type: "file", hidden: true, tabindex: "-1",
        onchange: () => {
          for (const file of Array.from(this.fileInput.files || [])) this.upload(file);
          this.fileInput.value = "";
        }});
      this.chips = h("div", {class: "chips"});
      this.sendButton = h("button", {type: "submit", class: "control send", "aria-label": "Send"},
        icon(...ICONS.send));
      this.composer = h("form", {class: "composer", part: "composer",
        onsubmit: (event) => {
          event.preventDefault();
          this.submit();
        }},
      this.chips, this.input, this.fileInput,
      h("button", {type: "button", class: "control", "aria-label": "Attach a file",
        onclick: () => this.fileInput.click()}, icon(...ICONS.attach)),
      this.sendButton);
      this.panel = h("section", {id: "cs-panel", class: "panel", part: "panel", role: "dialog",
        "aria-label": title, hidden: true,
        onkeydown: (event) => {
          if (event.key === "Escape") this.close();
        }},
      h("div", {class: "head", part: "header"},
        h("div", {class: "titles"}, h("h2", {}, title), this.statusLine),
        h("button", {type: "button", class: "icon-button", "aria-label": "Close chat",
          onclick: () => this.close()}, icon(...ICONS.close))),
      this.alert, this.hint, this.log, this.typingRow, this.closedBox, this.composer);
      root.append(this.panel, this.launcher);
    }

    showAlert(message) {
      this.alert.textContent = message || "";
      this.alert.hidden = !message;
    }

    autoSize() {
      this.input.style.height = "auto";
      this.input.style.height = `${this.input.scrollHeight + 2}px`;
    }

    scrollToEnd(force) {
      const nearEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
      if (force || nearEnd) this.log.scrollTop = this.log.scrollHeight;
    }

    render() {
      const inline = this.host.dataset.mode === "inline";
      this.panel.hidden = !this.isOpen;
      this.launcher.hidden = inline;
      this.launcher.setAttribute("aria-expanded", String(this.isOpen));
      this.launcher.replaceChildren(icon(...(this.isOpen ? ICONS.close : ICONS.chat)), this.badge);
      this.badge.hidden = this.unread === 0 || this.isOpen;
      this.badge.textContent = this.unread > 9 ? "9+" : String(this.unread);
      this.launcher.setAttribute("aria-label", this.unread && !this.isOpen
        ? `Open chat: ${this.options.title} (${this.unread} new)`
        : `${this.isOpen ? "Close" : "Open"} chat: ${this.options.title}`);
      const closed = this.status === "closed";
      this.closedBox.hidden = !closed;
      this.composer.hidden = closed;
      this.renderLog();
      this.renderChips();
    }

    /** Reconcile the log with the state, keeping existing nodes (focus, screen readers). */
    renderLog() {
      const nearEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
      const stored = Array.from(this.messages.values());
      // Answers that exist only here sit after the message they answered.
      const shown = stored.concat(this.localMessages).sort((a, b) => a.seq - b.seq);
      const rows = [];
      if (this.options.welcomeMessage) {
        rows.push({key: "welcome", message: {sender: {role: "bot", name: this.options.title},
          text: String(this.options.welcomeMessage), attachments: [], kind: "message"}});
      }
      const lastMine = stored.filter((message) => message.sender.role === "guest")
        .sort((a, b) => a.seq - b.seq).pop();
      for (const message of shown) {
        rows.push({key: message.id, message, seen: message === lastMine && message.seq <= this.agentReadSeq});
      }
      for (const entry of this.outbox) {
        rows.push({key: `out-${entry.clientMsgId}`, entry, message: {sender: {role: "guest", name: "You"},
          text: entry.text, attachments: entry.attachments, kind: "message", createdAt: entry.createdAt}});
      }
      const wanted = new Set(rows.map((row) => row.key));
      for (const [key, element] of this.elements) {
        if (!wanted.has(key)) {
          element.remove();
          this.elements.delete(key);
        }
      }
      let previous = null;
      for (const row of rows) {
        const signature = `${row.entry ? `${row.entry.state}|${row.entry.error}` : ""}|${row.seen}`;
        let element = this.elements.get(row.key);
        if (!element || element.dataset.signature !== signature) {
          const fresh = this.renderRow(row);
          fresh.dataset.signature = signature;
          if (element) element.replaceWith(fresh);
          element = fresh;
          this.elements.set(row.key, element);
        }
        const expected = previous ? previous.nextSibling : this.log.firstChild;
        if (expected !== element) this.log.insertBefore(element, expected);
        previous = element;
      }
      this.hint.hidden = rows.length > 0; // the log stays: a live region must exist before news
      if (nearEnd) this.log.scrollTop = this.log.scrollHeight;
    }

    renderRow(row) {
      const {message, entry} = row;
      const role = message.sender.role;
      if (message.kind === "event" || role === "system") {
        return h("li", {class: "msg event"}, message.text);
      }
      const mine = role === "guest";
      const classes = ["msg", mine ? "mine" : "theirs", entry ? entry.state : "sent"];
      const meta = h("div", {class: "meta"});
      if (entry && entry.state === "pending") {
        meta.append(h("span", {}, "Sending…"));
      } else if (entry) {
        meta.append(h("span", {class: "problem"}, entry.error || "Not sent."));
        meta.append(entry.retryable
          ? h("button", {type: "button", class: "link-button", onclick: () => this.retryFailed(entry)}, "Retry")
          : h("button", {type: "button", class: "link-button", onclick: () => this.dismiss(entry)}, "Dismiss"));
      } else if (message.createdAt) {
        meta.append(h("time", {datetime: message.createdAt}, formatTime(message.createdAt)));
        if (row.seen) meta.append(h("span", {}, "· Seen"));
      }
      return h("li", {class: classes.join(" "), part: `message ${mine ? "mine" : "theirs"}`},
        mine ? h("span", {class: "sr-only"}, "You:") : h("span", {class: "name"}, message.sender.name || "Support"),
        message.text ? h("div", {class: "bubble", part: "bubble"}, message.text) : null,
        this.renderFiles(message.attachments || []),
        meta);
    }

    renderFiles(files) {
      if (!files.length) return null;
      return h("div", {class: "files"}, ...files.map((file) => {
        const url = new URL(file.url || "#", this.serverUrl).toString();
        const raster = /^image\/(png|jpeg|gif|webp)$/.test(file.type || "");
        return h("a", {href: url, target: "_blank", rel: "noopener noreferrer"},
          raster ? h("img", {src: url, alt: file.name}) : `📎 ${file.name} (${formatSize(file.size || 0)})`);
      }));
    }

    renderChips() {
      this.chips.replaceChildren(...this.files.map((file) => h("span", {class: "chip"},
        h("span", {}, file.uploading ? `Uploading ${file.name}…` : file.name),
        file.uploading ? null : h("button", {type: "button", "aria-label": `Remove ${file.name}`,
          onclick: () => {
            this.files.splice(this.files.indexOf(file), 1);
            this.renderChips();
          }}, icon(...ICONS.close)))));
      this.sendButton.disabled = this.files.some((file) => file.uploading);
    }
  }

  // ---------------------------------------------------------------- the public object

  /** Options from the script tag's data-* attributes (data-api-url → apiUrl, JSON for objects). */
  function scriptOptions() {
    const options = {};
    if (!SCRIPT) return options;
    for (const [key, raw] of Object.entries(SCRIPT.dataset)) {
      if (!(key in DEFAULTS) || key === "plugins") continue;
      const fallback = DEFAULTS[key];
      if (typeof fallback === "boolean") options[key] = raw === "" || raw === "true";
      else if (typeof fallback === "number") options[key] = Number(raw);
      else if (key === "userIdentifier" || key === "transportOptions") {
        try {
          options[key] = JSON.parse(raw);
        } catch (_error) {
          console.warn(`[SupportChat] data-${key} is not JSON; ignored.`);
        }
      } else options[key] = raw;
    }
    return options;
  }

  let widget = null;

  function whenReady(run) {
    if (document.body) run();
    else document.addEventListener("DOMContentLoaded", run, {once: true});
  }

  const SupportChat = {
    /** Start the widget; options as in PROTOCOL.md §5 (over the script tag's data-*). */
    init(options) {
      if (widget) SupportChat.destroy();
      const merged = Object.assign({}, DEFAULTS, scriptOptions(), options);
      const instance = new Widget(merged);
      widget = instance;
      instance.plugins.notify("onInit", {apiUrl: merged.apiUrl, transport: typeof merged.transport === "function"
        ? "custom" : merged.transport, title: merged.title});
      whenReady(() => {
        if (widget === instance) instance.mount();
      });
      return SupportChat;
    },
    open() {
      if (widget && widget.host) widget.open();
      else if (widget) widget.options.defaultOpen = true;
    },
    close() {
      if (widget && widget.host) widget.close();
    },
    destroy() {
      if (widget && widget.host) widget.destroy();
      widget = null;
    },
    /** Identify the customer for the next conversation (optionally HMAC-verified). */
    setUser(userIdentifier, identifierHash) {
      if (widget) widget.setUser(userIdentifier, identifierHash);
    },
    /** Mint a new clientId and start over: the old conversations stay with the old id. */
    rotateIdentity() {
      return widget && widget.host ? widget.rotateIdentity() : writeClientId(uuid4());
    },
  };

  const queued = window.SupportChat;
  window.SupportChat = SupportChat;
  if (queued && Array.isArray(queued.q)) {
    for (const [method, ...args] of queued.q) {
      if (typeof SupportChat[method] === "function") SupportChat[method](...args);
    }
  } else if (Object.keys(scriptOptions()).length) {
    SupportChat.init({});
  }
})();
