// The customer's unsent messages: order, the one retry policy (backoff, MAX_ATTEMPTS counting
// plugin retries, then Retry), what survives a reload, and one message's way through the plugins.
import assert from "node:assert/strict";
import {test} from "node:test";

import {ChatError} from "../../../supportchat/static/widget/errors.js";
import {MAX_ATTEMPTS, Outbox, sendThrough} from "../../../supportchat/static/widget/outbox.js";
import {t} from "../../../supportchat/static/widget/strings.js";
import {Plugins} from "../../../supportchat/static/widget/plugins.js";

const timing = {backoffBaseMs: 1000, backoffMaxMs: 4000};
const fast = {backoffBaseMs: 1, backoffMaxMs: 2};

test("messages go out oldest first, and a failure waiting for its retry holds back later ones", () => {
  const outbox = new Outbox();
  const first = outbox.add("first", []);
  const second = outbox.add("second", []);
  assert.equal(outbox.next(), first);
  first.attempts = 1;
  assert.notEqual(outbox.fail(first, new ChatError("network", "Offline."), timing), null);
  assert.equal(outbox.next(), null); // "second" must not overtake "first"
  outbox.requeue();
  assert.equal(outbox.next(), first);
  outbox.remove(first);
  assert.equal(outbox.next(), second);
});

test("a refused message is skipped: it will not be sent again, later ones go on", () => {
  const outbox = new Outbox();
  const refused = outbox.add("far too long", []);
  const next = outbox.add("short", []);
  assert.equal(outbox.fail(refused, new ChatError("invalid", "Too long."), timing), null);
  assert.deepEqual([refused.state, refused.retryable, refused.error], ["failed", false, "Too long."]);
  assert.equal(outbox.next(), next);
});

test("automatic retries back off, honour Retry-After, and stop after MAX_ATTEMPTS", () => {
  const outbox = new Outbox();
  const entry = outbox.add("hello", []);
  const waits = [];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    entry.attempts = attempt; // sendThrough counts each attempt
    waits.push(outbox.fail(entry, new ChatError("timeout", "Slow."), timing));
    if (waits.at(-1) !== null) outbox.requeue();
  }
  assert.equal(waits.at(-1), null);
  assert.deepEqual([entry.retryable, entry.error], [true, "Not sent. Press Retry to try again."]);
  for (const wait of waits.slice(0, -1)) assert.ok(wait >= 500 && wait <= 4000, String(wait));
  const limited = outbox.add("x", []);
  limited.attempts = 1;
  assert.equal(outbox.fail(limited, new ChatError("rate_limited", "Later.", {retryAfterMs: 7000}), timing), 7000);
});

test("Retry by hand starts the count again for that message only", () => {
  const outbox = new Outbox();
  const a = outbox.add("a", []);
  const b = outbox.add("b", []);
  for (const entry of [a, b]) {
    entry.attempts = 1;
    outbox.fail(entry, new ChatError("network", "Offline."), timing);
  }
  outbox.requeue(b);
  assert.deepEqual([a.state, b.state, b.attempts, a.attempts], ["failed", "pending", 0, 1]);
});

test("the stored message of the customer's confirms its entry by clientMsgId", () => {
  const outbox = new Outbox();
  const entry = outbox.add("hi", []);
  outbox.confirm("someone-else");
  outbox.confirm(null);
  assert.equal(outbox.entries.length, 1);
  outbox.confirm(entry.clientMsgId);
  assert.deepEqual(outbox.entries, []);
});

test("a reload keeps what can still be sent, shown as failed until the connection is back", () => {
  const outbox = new Outbox();
  const kept = outbox.add("kept", [{id: "f1", name: "a.png"}]);
  const refused = outbox.add("refused", []);
  outbox.fail(refused, new ChatError("invalid", "No."), timing);
  const stored = JSON.parse(JSON.stringify(outbox.toStored()));
  assert.deepEqual(stored.map((entry) => entry.text), ["kept"]);

  const restored = new Outbox([...stored, null, {text: "no id"}]);
  assert.equal(restored.entries.length, 1);
  assert.deepEqual([restored.entries[0].clientMsgId, restored.entries[0].state,
    restored.entries[0].retryable, restored.entries[0].error], [kept.clientMsgId, "failed", true, t("notConnected")]);
});

test("a closed conversation fails everything unsent for good", () => {
  const outbox = new Outbox();
  outbox.add("late", []);
  outbox.closeAll();
  assert.equal(outbox.next(), null);
  assert.deepEqual(outbox.toStored(), []);
  assert.match(outbox.entries[0].error, /closed/);
});

test("sendThrough: the transport's answer, with the payload plugins changed", async () => {
  const sent = [];
  const plugins = new Plugins([{onBeforeSend: (payload) => ({payload: {...payload, message: "changed",
    clientMsgId: "forged"}})}]);
  const outcome = await sendThrough(plugins, async (payload) => {
    sent.push(payload);
    return {ticketId: "t1"};
  }, {clientMsgId: "m1", message: "original"}, {attempts: 0}, fast);
  assert.deepEqual(sent, [{clientMsgId: "m1", message: "changed"}]); // the id is never a plugin's
  assert.deepEqual(outcome.response, {ticketId: "t1"});
});

test("sendThrough: a plugin may abort, or answer instead of the server", async () => {
  const never = async () => assert.fail("nothing may be sent");
  assert.deepEqual(await sendThrough(new Plugins([{onBeforeSend: () => ({abort: true})}]), never,
    {clientMsgId: "m1"}, {attempts: 0}, fast), {aborted: true});
  const answered = await sendThrough(new Plugins([{onBeforeSend: () => ({response: {reply: "FAQ"}})}]),
    never, {clientMsgId: "m1"}, {attempts: 0}, fast);
  assert.deepEqual(answered.response, {reply: "FAQ"});
});

test("sendThrough: plugin retries count against MAX_ATTEMPTS, then the error is the caller's", async () => {
  let calls = 0;
  const plugins = new Plugins([{onSendError: () => ({retry: true, waitMs: 1})}]);
  const entry = {attempts: 0};
  const outcome = await sendThrough(plugins, async () => {
    calls += 1;
    throw new Error("socket hang up");
  }, {clientMsgId: "m1"}, entry, fast);
  assert.equal(calls, MAX_ATTEMPTS); // not MAX_ATTEMPTS rounds of plugin retries
  assert.equal(entry.attempts, MAX_ATTEMPTS);
  assert.equal(new Outbox().fail(entry, outcome.error, fast), null); // now it waits for Retry
  assert.ok(outcome.error instanceof ChatError);
  assert.deepEqual([outcome.error.code, outcome.error.message], ["internal", "socket hang up"]);

  let attempt = 0;
  const healed = await sendThrough(new Plugins([{onSendError: () => ({retry: true,
    payload: {message: "shorter"}})}]), async (payload) => {
    attempt += 1;
    if (attempt === 1) throw new ChatError("invalid", "Too long.");
    return {sent: payload};
  }, {clientMsgId: "m1", message: "long"}, {attempts: 0}, fast);
  assert.deepEqual(healed.response, {sent: {message: "shorter", clientMsgId: "m1"}});
});

test("sendThrough: a plugin's retry waits the backoff even when it asks for less", async () => {
  const times = [];
  const plugins = new Plugins([{onSendError: () => ({retry: true, waitMs: 0})}]);
  await sendThrough(plugins, async () => {
    times.push(Date.now());
    throw new ChatError("unavailable", "Down.");
  }, {clientMsgId: "m1"}, {attempts: MAX_ATTEMPTS - 2}, {backoffBaseMs: 200, backoffMaxMs: 200});
  assert.equal(times.length, 2); // the budget the entry had left
  assert.ok(times[1] - times[0] >= 95, String(times[1] - times[0])); // at least half the backoff
});
