// The widget's HTTP requests against a real local server: answers, error bodies, deadlines.
import assert from "node:assert/strict";
import {createServer} from "node:http";
import {after, before, test} from "node:test";

import {httpHeaders, request, withQuery} from "../../../supportchat/static/widget/net.js";

let server;
let base;
const seen = [];

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({method: req.method, url: req.url, headers: req.headers, body});
      const answers = {
        "/ok": [200, {"Content-Type": "application/json"}, '{"ticketId": "t1"}'],
        "/limited": [429, {"Content-Type": "application/json", "Retry-After": "2"},
          '{"error": {"code": "rate_limited", "message": "Too many messages; wait a moment."}}'],
        "/proxy": [502, {"Content-Type": "text/html"}, "<h1>Bad gateway</h1>"],
        "/missing": [404, {"Content-Type": "text/html"}, "nope"],
      };
      if (req.url === "/slow") return; // never answers
      const [status, headers, text] = answers[req.url.split("?")[0]];
      res.writeHead(status, headers).end(text);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

test("a JSON body is sent and the JSON answer returned", async () => {
  const answer = await request(`${base}/ok`, {method: "POST", body: {message: "hi"},
    headers: httpHeaders({authToken: "tok", headers: {"X-Shop": "acme"}}, "client-1")});
  assert.deepEqual(answer, {ticketId: "t1"});
  const sent = seen.at(-1);
  assert.equal(sent.body, '{"message":"hi"}');
  assert.equal(sent.headers["content-type"], "application/json");
  assert.equal(sent.headers.authorization, "Bearer tok");
  assert.equal(sent.headers["x-client-id"], "client-1");
  assert.equal(sent.headers["x-shop"], "acme");
});

test("an error body becomes its ChatError, Retry-After included", async () => {
  await assert.rejects(request(`${base}/limited`), {code: "rate_limited",
    message: "Too many messages; wait a moment.", retryable: true, details: {retryAfterMs: 2000}});
});

test("an answer that is not ours is judged by its status", async () => {
  await assert.rejects(request(`${base}/proxy`), {code: "unavailable", retryable: true});
  await assert.rejects(request(`${base}/missing`), {code: "invalid", retryable: false});
});

test("no answer in time is a timeout; no server is a network error; both are retried", async () => {
  await assert.rejects(request(`${base}/slow`, {timeoutMs: 100}), {code: "timeout", retryable: true});
  const closed = createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = closed.address().port;
  await new Promise((resolve) => closed.close(resolve));
  await assert.rejects(request(`http://127.0.0.1:${port}/`), {code: "network", retryable: true});
});

test("a cancelled request says so, and is not retried", async () => {
  const controller = new AbortController();
  const pending = request(`${base}/slow`, {signal: controller.signal});
  controller.abort();
  await assert.rejects(pending, {code: "aborted", retryable: false});
});

test("query parameters are added to the URL, encoded", () => {
  assert.equal(withQuery("https://s.example/api/chat?x=1", {sessionId: "a b", since: 3, wait: 25}),
    "https://s.example/api/chat?x=1&sessionId=a+b&since=3&wait=25");
  assert.equal(withQuery("/api/chat", {since: 0}, "https://s.example/shop"),
    "https://s.example/api/chat?since=0");
});
