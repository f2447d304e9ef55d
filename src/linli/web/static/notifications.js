// My notifications: the inbox updates live from the event stream; the preferences page
// subscribes this browser to Web Push and saves the subscription through the preferences API.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function strings(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  // ---------------------------------------------------------------- inbox, live
  function countUnread(counter, text) {
    // A count that stopped at its cap ("10,000+") stays as it is.
    if (!counter || counter.getAttribute("data-capped") === "true") return;
    var count = parseInt(counter.getAttribute("data-count"), 10) + 1;
    counter.setAttribute("data-count", String(count));
    counter.textContent = count.toLocaleString(document.documentElement.lang || undefined) +
      " " + (text.unread || "unread");
  }

  function liveInbox(main) {
    var list = document.getElementById("inbox-list");
    var counter = document.getElementById("inbox-unread");
    var live = document.getElementById("inbox-live");
    var text = strings("inbox-i18n");
    // Only the first page holds the newest notifications; later pages just count them.
    var firstPage = main.getAttribute("data-first-page") !== "false";
    var seen = new Set();
    if (!window.EventSource || !list) return;
    var source = new EventSource(main.getAttribute("data-stream"));
    source.addEventListener("notification.created", function (message) {
      var data = JSON.parse(message.data);
      if (seen.has(data.notification_id)) return;
      seen.add(data.notification_id);
      if (list.querySelector('[data-id="' + data.notification_id + '"]')) return;
      countUnread(counter, text);
      if (live) live.textContent = text["new"] || "";
      if (!firstPage) return;
      var item = document.createElement("li");
      item.className = "work-card notification unread";
      item.setAttribute("data-id", data.notification_id);
      item.setAttribute("data-severity", data.severity);
      var head = document.createElement("div");
      head.className = "case-head";
      var badge = document.createElement("span");
      badge.className = "badge severity-" + data.severity;
      badge.textContent = text["new"] || "New";
      head.appendChild(badge);
      var title = document.createElement("h2");
      // Only a path on this site becomes a link (never a scheme such as javascript:).
      if (typeof data.link === "string" && /^\/(?!\/)/.test(data.link)) {
        var anchor = document.createElement("a");
        anchor.href = data.link;
        anchor.textContent = data.title;
        title.appendChild(anchor);
      } else {
        title.textContent = data.title;
      }
      var form = document.createElement("form");
      form.method = "post";
      form.action = "/inbox/" + data.notification_id + "/read";
      form.className = "inline";
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = csrf;
      var button = document.createElement("button");
      button.type = "submit";
      button.textContent = text.mark_read || "Mark as read";
      form.appendChild(token);
      form.appendChild(button);
      item.appendChild(head);
      item.appendChild(title);
      item.appendChild(form);
      list.insertBefore(item, list.firstChild);
      var empty = document.getElementById("inbox-empty");
      if (empty) empty.remove();
    });
  }

  // ---------------------------------------------------------------- web push
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function activeWorker(registration) {
    if (registration.active) return Promise.resolve(registration);
    var worker = registration.installing || registration.waiting;
    return new Promise(function (resolve) {
      worker.addEventListener("statechange", function () {
        if (worker.state === "activated") resolve(registration);
      });
    });
  }

  async function subscribe(say, text) {
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
      say(text.unsupported);
      return;
    }
    var keyResponse = await fetch("/api/notifications/push/key", {
      headers: { "Accept": "application/json" }, credentials: "same-origin",
    });
    if (!keyResponse.ok) {
      say(text.not_configured);
      return;
    }
    var key = (await keyResponse.json()).public_key;
    if ((await Notification.requestPermission()) !== "granted") {
      say(text.denied);
      return;
    }
    var registration = await activeWorker(await navigator.serviceWorker.register("/static/sw.js"));
    var subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: keyBytes(key),
    });
    var prefs = await (await fetch("/api/notifications/preferences", {
      headers: { "Accept": "application/json" }, credentials: "same-origin",
    })).json();
    var body = {
      channels: prefs.channels, timezone: prefs.timezone,
      quiet_start: prefs.quiet_start, quiet_end: prefs.quiet_end,
      email: prefs.email, phone: prefs.phone, push: subscription.toJSON(),
    };
    var saved = await fetch("/api/notifications/preferences", {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    if (!saved.ok) throw new Error("saving the subscription failed: " + saved.status);
    say(text.subscribed);
    window.location.assign("/preferences?saved=1");
  }

  function pushButton(button) {
    var text = strings("preferences-i18n");
    var out = document.getElementById("push-message");
    function say(message) { if (out) out.textContent = message || ""; }
    button.addEventListener("click", function () {
      button.disabled = true;
      subscribe(say, text).catch(function (err) {
        say(String(err && err.message ? err.message : err));
      }).finally(function () { button.disabled = false; });
    });
  }

  function start() {
    var main = document.getElementById("inbox");
    if (main) liveInbox(main);
    var button = document.getElementById("push-subscribe");
    if (button) pushButton(button);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
