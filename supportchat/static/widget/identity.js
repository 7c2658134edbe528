/**
 * Who the browser is (clientId) and which conversation it is in (sessionId), kept in
 * localStorage, degrading to memory where storage is blocked (private modes, sandboxes).
 */
import {uuid4} from "../shared/helpers.js";

export const CLIENT_ID_KEY = "cs_client_id";
export const SESSION_KEY = "cs_session";
export const OUTBOX_KEY = "cs_outbox";
export const ID_TTL_SECONDS = 180 * 24 * 3600;
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * @typedef {{get(key: string): any, set(key: string, value: any): void,
 *   remove(key: string): void}} Storage
 * @typedef {{read(name: string): (string|null), write(name: string, value: string,
 *   maxAgeSeconds: number): void}} Cookies
 * @typedef {{storage: Storage, cookies: Cookies, now(): number}} Env
 * @typedef {{sessionId: string, ticketId: (string|null)}} Session
 */

/**
 * JSON values in `backend` (localStorage), mirrored in memory for when it is blocked.
 * @param {() => globalThis.Storage} [backend]
 * @returns {Storage}
 */
export function createStorage(backend = () => globalThis.localStorage) {
  const memory = new Map();
  return {
    get(key) {
      try {
        const raw = backend().getItem(key);
        return raw === null ? memory.get(key) : JSON.parse(raw);
      } catch (_error) {
        return memory.get(key); // blocked storage or a corrupted record
      }
    },
    set(key, value) {
      memory.set(key, value);
      try {
        backend().setItem(key, JSON.stringify(value));
      } catch (_error) {
        /* memory only */
      }
    },
    remove(key) {
      memory.delete(key);
      try {
        backend().removeItem(key);
      } catch (_error) {
        /* memory only */
      }
    },
  };
}

/** @type {Cookies} the page's own cookies */
const documentCookies = {
  read(name) {
    const match = document.cookie.split("; ").find((part) => part.startsWith(name + "="));
    return match ? decodeURIComponent(match.slice(name.length + 1)) : null;
  },
  write(name, value, maxAgeSeconds) {
    const secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = `${name}=${value}; SameSite=Lax; Path=/; Max-Age=${maxAgeSeconds}${secure}`;
  },
};

/** @type {Env} */
export const browser = {storage: createStorage(), cookies: documentCookies, now: () => Date.now()};

/** @param {string} id @param {Env} [env] @returns {string} */
export function writeClientId(id, env = browser) {
  env.cookies.write(CLIENT_ID_KEY, id, ID_TTL_SECONDS);
  env.storage.set(CLIENT_ID_KEY, {id, refreshedAt: env.now()});
  return id;
}

/**
 * The browser's clientId: kept, refreshed every TTL/4, re-minted when missing, corrupted or
 * unused for a whole TTL; the cookie is the fallback when storage lost it.
 * @param {Env} [env] @returns {string}
 */
export function loadClientId(env = browser) {
  const record = env.storage.get(CLIENT_ID_KEY);
  const age = record && typeof record.refreshedAt === "number"
    ? (env.now() - record.refreshedAt) / 1000 : Infinity;
  if (record && UUID4.test(record.id) && age < ID_TTL_SECONDS) {
    return age > ID_TTL_SECONDS / 4 || env.cookies.read(CLIENT_ID_KEY) !== record.id
      ? writeClientId(record.id, env) : record.id;
  }
  const cookie = env.cookies.read(CLIENT_ID_KEY);
  return writeClientId(cookie && UUID4.test(cookie) ? cookie : uuid4(), env);
}

/** @param {Storage} [storage] @returns {Session} the stored conversation, or a new one */
export function loadSession(storage = browser.storage) {
  const stored = storage.get(SESSION_KEY);
  if (stored && typeof stored.sessionId === "string" && SESSION_ID.test(stored.sessionId)) {
    return {sessionId: stored.sessionId,
      ticketId: typeof stored.ticketId === "string" ? stored.ticketId : null};
  }
  return newSession(storage);
}

/** A new conversation: new sessionId, no ticket, nothing unsent. @param {Storage} [storage] */
export function newSession(storage = browser.storage) {
  /** @type {Session} */
  const session = {sessionId: uuid4(), ticketId: null};
  storage.set(SESSION_KEY, session);
  storage.remove(OUTBOX_KEY);
  return session;
}

/**
 * Whether this browser has a conversation or unsent messages to pick up (then the chat starts
 * listening at once, not on first open). @param {Storage} [storage] @returns {boolean}
 */
export function hasConversation(storage = browser.storage) {
  const session = storage.get(SESSION_KEY);
  const outbox = storage.get(OUTBOX_KEY);
  return Boolean(session && typeof session.ticketId === "string")
    || (Array.isArray(outbox) && outbox.length > 0);
}
