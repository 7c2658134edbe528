/**
 * The default transport: POST /api/chat to send, GET /api/chat?sessionId&since&wait (long
 * polling) to receive. The heartbeat is the same GET with wait=0 every heartbeatMs: no answer
 * in time means the long poll hangs on a dead connection, so it is given up and made again.
 */
import {backoff, heartbeat} from "./backoff.js";
import {httpHeaders, request, withQuery} from "./net.js";
import {t} from "./strings.js";

/**
 * @typedef {import("./identity.js").Session} Session
 * @typedef {{id: string, ticketId: string, seq: number, clientMsgId: (string|null),
 *   sender: {id?: string, role: string, name: string}, text: string,
 *   attachments: object[], kind: string, createdAt: string}} Message
 * @typedef {{clientId: string, sessionId: string, message: string,
 *   metadata: object, userIdentifier?: object, identifierHash?: string,
 *   clientMsgId: string, attachments: string[]}} SendPayload
 * @typedef {{ticketId?: string, status?: string, message?: Message, replies?: Message[],
 *   reply?: string}} SendResult
 * @typedef {{messages(list: Message[], info: {status?: string, live: boolean}): void,
 *   ticket(ticket: {id: string, status: string}): void,
 *   typing(event: {ticketId: string, sender: {role: string, name: string}, typing: boolean}): void,
 *   read(event: {ticketId: string, role: string, seq: number}): void,
 *   connection(event: {state: string, reason?: string}): void,
 *   telemetry(event: object): void, error(error: import("./errors.js").ChatError): void}} TransportEvents
 * @typedef {{apiUrl: string, uploadUrl: string, serverUrl: string, options: Object<string, any>,
 *   clientId(): string, session(): Session, lastSeq(): number, on: TransportEvents}} TransportContext
 * @typedef {{start(): void, stop(): void, send(payload: SendPayload): Promise<SendResult>,
 *   resync(): void, ensureTicket?(payload: SendPayload): Promise<string>,
 *   typing?(typing: boolean): void, read?(seq: number): void, handoff?(): Promise<object>,
 *   rate?(score: number, comment?: string): Promise<void>, call?: Function}} Transport
 */

/** @param {TransportContext} ctx @returns {Transport} */
export function pollingTransport(ctx) {
  const options = ctx.options;
  let generation = 0;
  let timer = null;
  let controller = null;
  let failures = 0;
  let state = "idle";
  let stopped = false;
  let agentTyping = false;
  let agentReadSeq = 0;
  let closedSeen = false;
  let stopBeating = () => {};

  /** Hand-off, rating and what they hang on (whether the bot answers, whether the customer
   * rated) have no HTTP route (PROTOCOL.md v1.1 has them on the socket only): each goes over a
   * Socket.IO connection made for that one event and closed after. */
  async function overSocket(event, payload) {
    const {socketTransport} = await import("./socket.js");
    const quiet = () => {};
    const on = Object.assign({}, ctx.on, {messages: quiet, ticket: quiet, connection: quiet,
      typing: quiet, read: quiet, error: quiet});
    const once = socketTransport(Object.assign({}, ctx, {on}));
    once.start();
    try {
      return await once.call(event, payload);
    } finally {
      once.stop();
    }
  }

  /** The ticket as the socket knows it; where the socket can't be reached the panel offers
   * what it knows without it. */
  async function learnTicket() {
    const {ticketId} = ctx.session();
    try {
      ctx.on.ticket((await overSocket("ticket:join", {ticketId})).ticket);
    } catch (error) {
      ctx.on.telemetry({type: "ticket_unknown", code: error.code});
    }
  }

  /** What a poll says of the agents: typing, and how far they have read (PROTOCOL.md §3.4). */
  function agents(body) {
    const ticketId = ctx.session().ticketId;
    if (Boolean(body.agentTyping) !== agentTyping) {
      agentTyping = Boolean(body.agentTyping);
      ctx.on.typing({ticketId, sender: {role: "agent", name: ""}, typing: agentTyping});
    }
    if (body.agentReadSeq > agentReadSeq) {
      agentReadSeq = body.agentReadSeq;
      ctx.on.read({ticketId, role: "agent", seq: agentReadSeq});
    }
  }

  /** The customer's side of typing and read receipts; a lost one is not worth a retry. */
  function tell(path, body) {
    const {sessionId, ticketId} = ctx.session();
    if (!ticketId || stopped) return;
    request(`${ctx.apiUrl}/${path}`, {method: "POST", headers: httpHeaders(options, ctx.clientId()),
      body: Object.assign({sessionId}, body)}).catch(() => {});
  }

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

  /** What was new since `since`; `wait` > 0 makes it a long poll. */
  async function fetchSince(since, wait, timeoutMs, signal) {
    const body = await request(withQuery(ctx.apiUrl, {sessionId: ctx.session().sessionId, since, wait}), {
      headers: httpHeaders(options, ctx.clientId()), timeoutMs, signal,
    });
    if (body.status === "closed" && !closedSeen) {
      closedSeen = true;
      await learnTicket(); // rated already? then no rating prompt
    }
    ctx.on.messages(body.messages, {status: body.status, live: false});
    agents(body);
    if (body.messages.some((message) => message.sender.role === "bot" && message.kind === "message")) {
      learnTicket(); // is it the AI answering? then "Talk to a person" is offered
    }
    return body;
  }

  function restart() {
    generation += 1;
    if (controller) controller.abort();
    schedule(0);
  }

  /** A refusal is an answer too; only silence or a failing network means a dead link. An
   * answer while reconnecting means the link is back: the waiting poll is made again now. */
  function ping() {
    if (stopped || !ctx.session().ticketId || !(options.pollIntervalMs > 0)) return null;
    return fetchSince(ctx.lastSeq(), 0, options.heartbeatMs).then(() => {
      const stuck = state === "reconnecting";
      failures = 0;
      setState("connected");
      if (stuck) restart();
    }, (error) => {
      if (error.retryable) throw error;
    });
  }

  function dead() {
    generation += 1;
    if (controller) controller.abort();
    failures += 1;
    setState("reconnecting", t("noAnswer"));
    schedule(backoff(options, failures));
  }

  async function poll() {
    const mine = ++generation;
    const since = ctx.lastSeq();
    const wait = Math.max(0, Math.min(30, Math.floor(options.longPollTimeoutMs / 1000) - 5));
    const started = Date.now();
    controller = new AbortController();
    try {
      const body = await fetchSince(since, wait, options.longPollTimeoutMs, controller.signal);
      if (mine !== generation) return;
      failures = 0;
      setState("connected");
      ctx.on.telemetry({type: "poll", since, received: body.messages.length, ms: Date.now() - started});
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
      stopBeating = heartbeat(options.heartbeatMs, ping, dead);
      if (ctx.session().ticketId) {
        setState("connecting");
        schedule(0);
      }
    },
    stop() {
      stopped = true;
      stopBeating();
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
    resync: restart,
    typing: (typing) => tell("typing", {typing}),
    read: (seq) => tell("read", {seq}),
    handoff: () => overSocket("ticket:handoff", {ticketId: ctx.session().ticketId}),
    /** The customer's rating of the closed conversation (once; `conflict` after). */
    async rate(score, comment) {
      const payload = {ticketId: ctx.session().ticketId, score};
      if (comment) payload.comment = comment;
      await overSocket("ticket:rate", payload);
    },
  };
}
