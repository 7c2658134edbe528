// Plugins run in order; a failing one is skipped; none can change another's view.
import assert from "node:assert/strict";
import {test} from "node:test";

import {Plugins} from "../../../supportchat/static/widget/plugins.js";

test("hooks run in array order and a throwing hook breaks nothing", async (t) => {
  const warnings = [];
  t.mock.method(console, "warn", (message) => warnings.push(message));
  const calls = [];
  const plugins = new Plugins([
    {name: "a", onWidgetOpen: () => calls.push("a")},
    {name: "broken", onWidgetOpen: () => {
      throw new Error("boom");
    }},
    null,
    {onWidgetOpen: async () => calls.push("c")},
    {name: "no hook"},
  ]);
  assert.deepEqual(await plugins.each("onWidgetOpen", () => []), [1, 2]);
  assert.deepEqual(calls, ["a", "c"]);
  assert.deepEqual(warnings, ["[SupportChat] plugin broken failed in onWidgetOpen:"]);
});

test("each plugin gets its own copy: changing an argument changes nothing for the next", async () => {
  const seen = [];
  const payload = {message: "hi", metadata: {page: "/"}};
  const plugins = new Plugins([
    {onTelemetry: (event) => {
      event.type = "tampered";
    }},
    {onTelemetry: (event) => seen.push(event.type)},
  ]);
  plugins.notify("onTelemetry", {type: "send"});
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(seen, ["send"]);
  await new Plugins([{onBeforeSend: (copy) => {
    copy.metadata.page = "changed";
  }}]).beforeSend(payload);
  assert.equal(payload.metadata.page, "/");
});

test("onMessages: each plugin may replace the list the next one sees", async () => {
  const plugins = new Plugins([
    {onMessages: (list) => ({messages: list.map((m) => ({...m, tag: "a"}))})},
    {onMessages: () => "ignored"},
    {onMessages: (list) => ({messages: list.map((m) => ({...m, text: m.text + m.tag}))})},
  ]);
  assert.deepEqual(await plugins.messages([{id: "1", text: "x"}]), [{id: "1", text: "xa", tag: "a"}]);
});

test("onSendError: the first plugin asking for a retry wins", async () => {
  const plugins = new Plugins([
    {onSendError: () => ({retry: false})},
    {onSendError: () => ({retry: true, waitMs: 5})},
    {onSendError: () => assert.fail("not asked")},
  ]);
  assert.deepEqual(await plugins.sendError(new Error("x"), {}), {retry: true, waitMs: 5});
  assert.equal(await new Plugins([]).sendError(new Error("x"), {}), null);
});
