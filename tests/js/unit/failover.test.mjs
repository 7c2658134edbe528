// transport: "websocket" falling back to long polling and back (failover.js), with stand-in
// transports whose events the tests play: when to give up on the socket, when it may return.
import assert from "node:assert/strict";
import {afterEach, test} from "node:test";

import {sleep} from "../../../supportchat/static/widget/backoff.js";
import {ChatError} from "../../../supportchat/static/widget/errors.js";
import {DROPS, DROP_WINDOW_MS, failedTooOften, failover, retryDelay}
  from "../../../supportchat/static/widget/failover.js";

const options = {heartbeatMs: 40, backoffBaseMs: 1, backoffMaxMs: 10};

/** A widget's side of the context, recording what reached it, and stand-in transports. */
function harness({ticketId = "t1", timing = options} = {}) {
  const seen = {connection: [], telemetry: [], messages: [], errors: []};
  const made = [];
  const fake = (kind) => (ctx) => {
    const transport = {kind, ctx, started: false, stopped: false, sent: [],
      start() {
        this.started = true;
      },
      stop() {
        this.stopped = true;
      },
      send(payload) {
        this.sent.push(payload);
        return Promise.resolve({ok: kind});
      },
      resync() {},
      typing() {},
      read() {},
      ...(kind === "socket" ? {rate: () => "rated"} : {}),
    };
    made.push(transport);
    return transport;
  };
  const ctx = {options: timing, session: () => ({sessionId: "s1", ticketId}), lastSeq: () => 0,
    on: {messages: (list) => seen.messages.push(...list), ticket() {}, typing() {}, read() {},
      connection: (event) => seen.connection.push(event.state),
      telemetry: (event) => seen.telemetry.push(event), error: (error) => seen.errors.push(error)}};
  const transport = failover(ctx, {socket: fake("socket"), polling: fake("polling")});
  const last = (kind) => made.filter((item) => item.kind === kind).at(-1);
  const switches = () => seen.telemetry.filter((event) => event.type === "transport")
    .map((event) => event.transport);
  return {transport, made, seen, last, switches};
}

afterEach(() => {
  globalThis.WebSocket = undefined;
});

test("DROPS failures within DROP_WINDOW_MS give up on the socket; older ones are forgotten", () => {
  const spread = [];
  for (let i = 0; i < 10; i += 1) assert.equal(failedTooOften(spread, i * DROP_WINDOW_MS), false);
  const burst = [];
  const verdicts = Array.from({length: DROPS}, (_, i) => failedTooOften(burst, 1000 + i));
  assert.deepEqual(verdicts, [...Array(DROPS - 1).fill(false), true]);
});

test("the socket is tried again after about backoffMaxMs, doubling, at most 30 times that", () => {
  const timing = {backoffBaseMs: 500, backoffMaxMs: 10000};
  const waits = [1, 2, 3, 5, 9].map((round) => retryDelay(timing, round, () => 0.999999));
  assert.deepEqual(waits, [10000, 20000, 40000, 160000, 300000]);
});

test("a socket that cannot connect gives way to polling, which carries the sends", async () => {
  globalThis.WebSocket = class {};
  const {transport, seen, last, switches} = harness();
  transport.start();
  const socket = last("socket");
  for (let i = 0; i < DROPS; i += 1) {
    socket.ctx.on.connection({state: "reconnecting", reason: "websocket error"});
  }
  assert.ok(socket.stopped);
  assert.deepEqual(switches(), ["polling"]);
  assert.ok(last("polling").started);
  assert.deepEqual(await transport.send({clientMsgId: "m1"}), {ok: "polling"});
  assert.equal(transport.rate, undefined); // the panel offers no rating over polling
  transport.stop();
});

test("a socket that never answers falls back after heartbeatMs", async () => {
  globalThis.WebSocket = class {};
  const {transport, last, switches} = harness();
  transport.start();
  await until(() => switches().length > 0); // after heartbeatMs, however slow the machine
  assert.deepEqual(switches(), ["polling"]);
  assert.ok(last("polling").started);
  transport.stop();
});

/** Wait until `ready()` holds (at most five seconds, for a loaded machine). */
async function until(ready) {
  for (let waited = 0; !ready() && waited < 5000; waited += 5) await sleep(5);
  assert.ok(ready());
}

test("after the fallback the socket returns once it has stayed up for heartbeatMs", async () => {
  globalThis.WebSocket = class {};
  const timing = {heartbeatMs: 500, backoffBaseMs: 1, backoffMaxMs: 10}; // "not yet" has room
  const {transport, made, seen, last, switches} = harness({timing});
  transport.start();
  last("socket").ctx.on.connection({state: "connected"});
  for (let i = 0; i < DROPS; i += 1) last("socket").ctx.on.connection({state: "disconnected", reason: "x"});
  const polling = last("polling");

  await until(() => last("socket") !== made[0]); // the first trial, within backoffMaxMs
  const flaky = last("socket");
  assert.ok(flaky.started);
  flaky.ctx.on.connection({state: "connected"});
  flaky.ctx.on.messages([{id: "a", seq: 1}]); // what a trial receives is not lost
  flaky.ctx.on.connection({state: "disconnected", reason: "transport close"});
  assert.ok(flaky.stopped && !polling.stopped);
  assert.deepEqual(switches(), ["polling"]);

  await until(() => last("socket") !== flaky); // the next trial, a little later
  const good = last("socket");
  good.ctx.on.connection({state: "connected"});
  await sleep(timing.heartbeatMs / 5);
  assert.deepEqual(switches(), ["polling"]); // not yet: up for heartbeatMs first
  await until(() => polling.stopped);
  assert.deepEqual(switches(), ["polling", "websocket"]);
  assert.equal(seen.connection.at(-1), "connected");
  assert.deepEqual(await transport.send({clientMsgId: "m2"}), {ok: "socket"});
  assert.equal(transport.rate(), "rated");
  assert.deepEqual(seen.messages.map((message) => message.id), ["a"]);

  polling.ctx.on.messages([{id: "late", seq: 2}]); // a stopped transport is not heard
  assert.deepEqual(seen.messages.map((message) => message.id), ["a"]);
  transport.stop();
});

test("without a WebSocket constructor it polls at once and never tries the socket", async () => {
  const {transport, made, seen, switches} = harness({ticketId: null});
  transport.start();
  assert.deepEqual(made.map((item) => item.kind), ["polling"]);
  assert.deepEqual(switches(), ["polling"]);
  assert.deepEqual(seen.connection, ["connected"]); // nothing to poll before the first message
  await sleep(50);
  assert.deepEqual(made.map((item) => item.kind), ["polling"]);
  transport.stop();
});

test("a refusal is the widget's to show; a client that did not load means polling", async () => {
  globalThis.WebSocket = class {};
  const refused = harness();
  refused.transport.start();
  refused.last("socket").ctx.on.error(new ChatError("forbidden", "Not this site."));
  assert.deepEqual(refused.seen.errors.map((error) => error.code), ["forbidden"]);
  await sleep(options.heartbeatMs * 2); // and no fallback later hides it
  assert.deepEqual(refused.switches(), []);
  refused.transport.stop();

  const unloaded = harness();
  unloaded.transport.start();
  unloaded.last("socket").ctx.on.error(new ChatError("unavailable", "Could not load."));
  assert.deepEqual(unloaded.seen.errors, []);
  assert.deepEqual(unloaded.switches(), ["polling"]);
  unloaded.transport.stop();
});
