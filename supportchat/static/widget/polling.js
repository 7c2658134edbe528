/**
 * The default transport: POST /api/chat to send, GET /api/chat?sessionId&since&wait (long
 * polling) to receive.
 */
import {backoff} from "./backoff.js";
import {httpHeaders, request, withQuery} from "./net.js";

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
 *   typing?(typing: boolean): void, read?(seq: number): void}} Transport
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
      agents(body);
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
    typing: (typing) => tell("typing", {typing}),
    read: (seq) => tell("read", {seq}),
  };
}
