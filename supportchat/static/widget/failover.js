/**
 * `transport: "websocket"` with a way out (docs/widget.md, Transports): a socket that cannot
 * connect or keeps dropping gives way to long polling on apiUrl until a later trial socket has
 * stayed up for heartbeatMs. Both resume after the widget's lastSeq and the outbox resends with
 * the same clientMsgId, so nothing is lost or doubled.
 */
import {backoff} from "./backoff.js";
import {pollingTransport} from "./polling.js";
import {socketTransport} from "./socket.js";

export const DROPS = 3;
export const DROP_WINDOW_MS = 60000;

/**
 * Note a failure of the socket at `now`. @param {number[]} times earlier ones, kept in place
 * @returns {boolean} whether DROPS of them fall within DROP_WINDOW_MS: time to fall back
 */
export function failedTooOften(times, now) {
  times.push(now);
  while (now - times[0] >= DROP_WINDOW_MS) times.shift();
  return times.length >= DROPS;
}

/** The wait before trying the socket again: about backoffMaxMs, doubling up to 30 times that. */
export function retryDelay(options, round, random) {
  return backoff({backoffBaseMs: options.backoffMaxMs, backoffMaxMs: 30 * options.backoffMaxMs},
    round, random);
}

/**
 * @param {import("./polling.js").TransportContext} ctx
 * @param {{socket: Function, polling: Function}} [make] the two transports' factories
 * @returns {import("./polling.js").Transport}
 */
export function failover(ctx, make = {socket: socketTransport, polling: pollingTransport}) {
  const options = ctx.options;
  const failures = [];
  const haveWebSocket = () => typeof WebSocket === "function";
  let current = null; // the transport carrying the conversation
  let trial = null; // a socket being tried while polling carries it
  let onSocket = false;
  let timer = null;
  let round = 0;
  let stopped = false;

  /** A transport whose news reaches the widget while it is current or on trial. */
  function child(kind, connection, error) {
    let transport = null;
    const live = () => !stopped && (transport === current || transport === trial);
    const on = {};
    for (const name of Object.keys(ctx.on)) on[name] = (...args) => live() && ctx.on[name](...args);
    on.connection = (event) => live() && connection(transport, event);
    on.error = (event) => live() && error(transport, event);
    transport = make[kind](Object.assign({}, ctx, {on}));
    return transport;
  }

  function after(ms, then) {
    clearTimeout(timer);
    timer = setTimeout(then, ms);
  }

  function socketEvent(socket, event) {
    if (socket === trial) {
      if (event.state === "connected") after(options.heartbeatMs, takeOver);
      else if (event.state !== "connecting") tryLater();
      return;
    }
    ctx.on.connection(event);
    if (event.state === "connected") {
      clearTimeout(timer);
      timer = null;
    } else if (event.state === "disconnected" || event.reason) {
      if (failedTooOften(failures, Date.now())) fallBack();
      else if (!timer) after(options.heartbeatMs, fallBack);
    }
  }

  function socketError(socket, error) {
    if (socket === trial) tryLater();
    else if (error.retryable) fallBack(); // e.g. the Socket.IO client could not be loaded
    else {
      // The server's refusal is final (polling would be refused too): no fallback later,
      // whose "connected" would hide the refusal the widget shows.
      clearTimeout(timer);
      timer = null;
      ctx.on.error(error);
    }
  }

  function useSocket() {
    onSocket = true;
    current = child("socket", socketEvent, socketError);
    after(options.heartbeatMs, fallBack);
    current.start();
  }

  function fallBack() {
    if (current && !onSocket) return;
    if (current) current.stop();
    onSocket = false;
    current = child("polling", (_transport, event) => ctx.on.connection(event),
      (_transport, error) => ctx.on.error(error));
    ctx.on.telemetry({type: "transport", transport: "polling"});
    current.start();
    // Without a ticket there is nothing to poll yet: HTTP is there until a request says not.
    if (!ctx.session().ticketId) ctx.on.connection({state: "connected"});
    tryLater();
  }

  function tryLater() {
    if (trial) trial.stop();
    trial = null;
    round += 1;
    if (haveWebSocket()) after(retryDelay(options, round), () => {
      trial = child("socket", socketEvent, socketError);
      after(options.heartbeatMs, tryLater);
      trial.start();
    });
  }

  /** The socket on trial stayed up: it carries the conversation again. */
  function takeOver() {
    current.stop();
    [current, trial, onSocket, timer] = [trial, null, true, null];
    ctx.on.telemetry({type: "transport", transport: "websocket"});
    ctx.on.connection({state: "connected"});
  }

  return {
    start: () => (haveWebSocket() ? useSocket() : fallBack()),
    stop() {
      stopped = true;
      clearTimeout(timer);
      for (const transport of [current, trial]) if (transport) transport.stop();
    },
    send: (payload) => current.send(payload),
    resync: () => current.resync(),
    typing: (typing) => current.typing(typing),
    read: (seq) => current.read(seq),
    // Only the socket has these; the panel offers what the current transport can do.
    get ensureTicket() {
      return current.ensureTicket;
    },
    get handoff() {
      return current.handoff;
    },
    get rate() {
      return current.rate;
    },
  };
}
