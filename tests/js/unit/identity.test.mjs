// Who the browser is: clientId and session, in storage that may be blocked or corrupted.
import assert from "node:assert/strict";
import {test} from "node:test";

import {CLIENT_ID_KEY, ID_TTL_SECONDS, OUTBOX_KEY, SESSION_KEY, createStorage, hasConversation,
  loadClientId, loadSession, newSession} from "../../../supportchat/static/widget/identity.js";

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DAY_MS = 24 * 3600 * 1000;

/** localStorage's interface over a Map: what a browser gives the widget. */
function localStorageLike(entries = {}) {
  const map = new Map(Object.entries(entries));
  return {
    map,
    getItem: (key) => (map.has(key) ? map.get(key) : null),
    setItem: (key, value) => map.set(key, String(value)),
    removeItem: (key) => map.delete(key),
  };
}

/** A browser: its storage, its cookies (name → [value, maxAge]) and a clock to move. */
function newBrowser() {
  const backend = localStorageLike();
  const jar = new Map();
  const clock = {now: Date.UTC(2026, 0, 1)};
  const env = {
    storage: createStorage(() => backend),
    cookies: {read: (name) => (jar.has(name) ? jar.get(name)[0] : null),
      write: (name, value, maxAge) => jar.set(name, [value, maxAge])},
    now: () => clock.now,
  };
  return {backend, jar, clock, env};
}

test("a first visit mints a version 4 UUID, kept in storage and a cookie for 180 days", () => {
  const {env, jar, backend} = newBrowser();
  const id = loadClientId(env);
  assert.match(id, UUID4);
  assert.deepEqual(jar.get(CLIENT_ID_KEY), [id, ID_TTL_SECONDS]);
  assert.equal(JSON.parse(backend.getItem(CLIENT_ID_KEY)).id, id);
  assert.equal(loadClientId(env), id);
});

test("the id is refreshed after a quarter of its lifetime and re-minted after all of it", () => {
  const made = newBrowser();
  const id = loadClientId(made.env);
  made.jar.clear();
  made.clock.now += 10 * DAY_MS; // young: kept, and the lost cookie written again
  assert.equal(loadClientId(made.env), id);
  assert.equal(made.jar.get(CLIENT_ID_KEY)[0], id);
  made.clock.now += 50 * DAY_MS; // older than 45 days since the refresh: refreshed
  const before = JSON.parse(made.backend.getItem(CLIENT_ID_KEY)).refreshedAt;
  assert.equal(loadClientId(made.env), id);
  assert.equal(JSON.parse(made.backend.getItem(CLIENT_ID_KEY)).refreshedAt, made.clock.now);
  assert.ok(before < made.clock.now);
  made.clock.now += 181 * DAY_MS; // unused for a whole lifetime: a new identity
  made.jar.clear();
  assert.notEqual(loadClientId(made.env), id);
});

test("the cookie brings the id back when storage lost it; a corrupted id is replaced", () => {
  const made = newBrowser();
  const id = loadClientId(made.env);
  made.backend.map.clear();
  assert.equal(loadClientId(made.env), id);
  made.backend.setItem(CLIENT_ID_KEY, JSON.stringify({id: "not-a-uuid", refreshedAt: made.clock.now}));
  made.jar.set(CLIENT_ID_KEY, ["<script>", 1]);
  const fresh = loadClientId(made.env);
  assert.match(fresh, UUID4);
  assert.notEqual(fresh, id);
});

test("blocked storage keeps values in memory; a corrupted record reads as missing", () => {
  const blocked = createStorage(() => {
    throw new DOMException("denied", "SecurityError");
  });
  blocked.set("k", {a: 1});
  assert.deepEqual(blocked.get("k"), {a: 1});
  blocked.remove("k");
  assert.equal(blocked.get("k"), undefined);

  const storage = createStorage(() => localStorageLike({[SESSION_KEY]: "{not json"}));
  assert.equal(storage.get(SESSION_KEY), undefined);
});

test("a stored session is resumed; an invalid one is replaced by a new, empty one", () => {
  const storage = createStorage(() => localStorageLike());
  assert.equal(hasConversation(storage), false);
  storage.set(SESSION_KEY, {sessionId: "abc_123", ticketId: "t1"});
  assert.deepEqual(loadSession(storage), {sessionId: "abc_123", ticketId: "t1"});
  assert.equal(hasConversation(storage), true);

  storage.set(SESSION_KEY, {sessionId: "has spaces", ticketId: "t1"});
  storage.set(OUTBOX_KEY, [{clientMsgId: "m1"}]);
  const session = loadSession(storage);
  assert.match(session.sessionId, UUID4);
  assert.equal(session.ticketId, null);
  assert.equal(storage.get(OUTBOX_KEY), undefined); // a new conversation has nothing unsent
  assert.equal(hasConversation(storage), false);
});

test("unsent messages alone are a conversation to resume", () => {
  const storage = createStorage(() => localStorageLike());
  newSession(storage);
  storage.set(OUTBOX_KEY, [{clientMsgId: "m1", text: "hi"}]);
  assert.equal(hasConversation(storage), true);
});
