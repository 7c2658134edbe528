/**
 * The websocket transport: Socket.IO namespace /guest over WebSocket only (failover.js falls
 * back to long polling on apiUrl). ticket:create, chat:message, ticket:join {sinceSeq} after
 * every (re)connect, typing and read. Socket.IO's own ping comes from the server (every 20 s,
 * 40 s of silence to notice a dead link); every heartbeatMs the widget asks ticket:join
 * {sinceSeq} itself, and an event not acknowledged within heartbeatMs means a dead connection:
 * it is closed and made again.
 */
import {backoff, heartbeat} from "./backoff.js";
import {ChatError, errorFromBody} from "./errors.js";
import {httpHeaders} from "./net.js";
import {t} from "./strings.js";

/** @param {import("./polling.js").TransportContext} ctx @returns {import("./polling.js").Transport} */
export function socketTransport(ctx) {
  const options = ctx.options;
  let socket = null;
  let stopped = false;
  let failures = 0;
  let retryTimer = null;
  let everConnected = false;
  let stopBeating = () => {};
  let announceConnected = () => {};
  const firstConnection = new Promise((resolve) => (announceConnected = resolve));
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

  /** The transport starts on first open, often just before the first message: until the first
   * connection, events wait for it (at most heartbeatMs) instead of failing at once. */
  function firstConnected() {
    if (everConnected || stopped) return Promise.resolve();
    let timer = null;
    const waited = new Promise((resolve) => (timer = setTimeout(resolve, options.heartbeatMs)));
    return Promise.race([firstConnection, waited]).finally(() => clearTimeout(timer));
  }

  async function emit(event, payload) {
    await firstConnected();
    return new Promise((resolve, reject) => {
      if (!socket || !socket.connected) {
        reject(new ChatError("offline", t("notConnected")));
        return;
      }
      socket.timeout(options.heartbeatMs).emit(event, payload, (timeout, ack) => {
        if (timeout) {
          dead();
          reject(new ChatError("timeout", t("noAnswer")));
        } else if (!ack || !ack.ok) reject(errorFromBody(ack && ack.error));
        else resolve(ack);
      });
    });
  }

  async function join(type = "join") {
    const {ticketId} = ctx.session();
    if (!ticketId) return;
    const since = ctx.lastSeq();
    const ack = await emit("ticket:join", since > 0 ? {ticketId, sinceSeq: since} : {ticketId});
    ctx.on.telemetry({type, since, received: ack.messages.length});
    ctx.on.ticket(ack.ticket);
    ctx.on.messages(ack.messages, {status: ack.ticket.status, live: false});
  }

  /** What was missed, by seq, on the connection as it is (chat.js drops duplicates). */
  function resync() {
    join().catch((error) => ctx.on.telemetry({type: "resync_failed", code: error.code}));
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

  /** Any answer will do: a refusal still proves the connection works. */
  function ping() {
    return ctx.session().ticketId ? join("ping").catch((error) => {
      if (error.code === "timeout") throw error;
    }) : null;
  }

  /** No answer in time: close the connection (Socket.IO makes a new one; failover.js counts
   * it as a drop). */
  function dead() {
    if (!socket || !socket.connected) return;
    ctx.on.telemetry({type: "heartbeat_missed"});
    socket.io.engine.close();
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
      transports: ["websocket"],
      forceNew: true, // a Manager of our own: stop() must not touch anyone else's socket
      extraHeaders: httpHeaders(options, ctx.clientId()),
      reconnectionDelay: options.backoffBaseMs,
      reconnectionDelayMax: options.backoffMaxMs,
    });
    socket.on("connect", () => {
      everConnected = true;
      announceConnected();
      connected();
      stopBeating();
      stopBeating = heartbeat(options.heartbeatMs, ping, dead);
    });
    socket.on("disconnect", (reason) => {
      stopBeating();
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
    // The server's link to the other processes was down: same connection, fetch what was missed.
    socket.on("resync", resync);
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
      // The vendored Socket.IO client (v4.8.x, its ES module build: no global left behind).
      const factory = options.socketIoFactory ? Promise.resolve(options.socketIoFactory)
        : import("../socket.io.esm.min.js").then((module) => module.io);
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
      stopBeating();
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
      if (ack.ticket) ctx.on.ticket(ack.ticket); // botActive of a new ticket
      const ticket = ack.ticket || {id: ticketId, status: "open"};
      return {ticketId: ticket.id, status: ticket.status, message: ack.message, replies: []};
    },
    async ensureTicket(payload) {
      const {ticketId} = ctx.session();
      if (ticketId) return ticketId;
      const ack = await emit("ticket:create", createPayload(payload));
      return ack.ticket.id;
    },
    resync,
    /** One event and its ack (polling.js sends what HTTP has no route for this way). */
    call: emit,
    handoff: () => emit("ticket:handoff", {ticketId: ctx.session().ticketId}),
    typing(typing) {
      const {ticketId} = ctx.session();
      if (ticketId && socket && socket.connected) socket.emit("typing", {ticketId, typing}, () => {});
    },
    read(seq) {
      const {ticketId} = ctx.session();
      if (ticketId && socket && socket.connected) socket.emit("read", {ticketId, seq}, () => {});
    },
    /** The customer's rating of the closed conversation (once; `conflict` after). */
    async rate(score, comment) {
      const payload = {ticketId: ctx.session().ticketId, score};
      if (comment) payload.comment = comment;
      await emit("ticket:rate", payload);
    },
  };
}
