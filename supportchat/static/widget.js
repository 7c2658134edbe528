/*!
 * supportchat embed loader (docs/widget.md). The only global is `SupportChat`:
 *
 *   <script src="https://support.example.com/widget.js" async data-title="Help"></script>
 *
 * Calls made before the widget has arrived are queued and replayed, also ones queued by a
 * snippet that ran before this script:
 *   window.SupportChat = window.SupportChat || {q: []}; SupportChat.q.push(["init", {...}]);
 * The widget itself is ES modules under a versioned path (long-cached), imported from here.
 */
(function () {
  "use strict";
  // Replaced when /widget.js is served: the folder of this release's modules.
  var MODULES = "__SUPPORTCHAT_MODULES__";
  var script = document.currentScript;
  var existing = window.SupportChat;
  if (existing && typeof existing.init === "function") return; // the loader ran already
  var api = {q: existing && Array.isArray(existing.q) ? existing.q : []};
  ["init", "open", "close", "toggle", "destroy", "setUser", "setCustomAttributes", "setLocale",
    "setColorScheme", "rotateIdentity", "reset"].forEach(function (name) {
    api[name] = function () {
      api.q.push([name].concat(Array.prototype.slice.call(arguments)));
      return api;
    };
  });
  window.SupportChat = api;
  var dataset = Object.assign({}, script ? script.dataset : {});
  var entry = new URL(MODULES + "widget/main.js", script && script.src ? script.src : location.href);
  import(entry.href).then(function (module) {
    module.boot(api, dataset);
  }, function (error) {
    console.warn("[SupportChat] the chat widget could not be loaded:", error);
  });
})();
