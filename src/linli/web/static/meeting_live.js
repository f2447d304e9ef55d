/* A meeting's live page: new minutes, decisions, the item under discussion and the meeting's
   status arrive over Server-Sent Events and are added as DOM nodes (textContent only). Without
   this script the page shows everything so far and can be reloaded. */
(function () {
  "use strict";

  /* linli.js (Linli.t, Linli.formatTime) runs after this deferred script: start once both ran. */
  function start() {
  var root = document.getElementById("meeting-live");
  if (!root || !window.EventSource || !window.Linli) return;
  var t = window.Linli.t;
  var lang = document.documentElement.lang || "en";
  var minutes = document.getElementById("minutes-list");
  var decisions = document.getElementById("decisions-list");
  var current = document.getElementById("current-item");
  var status = document.getElementById("meeting-status");
  var connection = document.getElementById("live-connection");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function byId(list, id) {
    var found = null;
    Array.prototype.forEach.call(list.children, function (child) {
      if (child.getAttribute("data-id") === id) found = child;
    });
    return found;
  }

  function dueText(day) {
    try {
      return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" })
        .format(new Date(day + "T00:00:00Z"));
    } catch (e) {
      return day;
    }
  }

  function ownerText(unit) {
    if (!unit) return t("council_staff");
    return (lang.indexOf("zh") === 0 && unit.name_zh) ? unit.name_zh : unit.name;
  }

  function reveal(id) {
    var empty = document.getElementById(id);
    if (empty) empty.hidden = true;
  }

  function addMinute(item) {
    if (byId(minutes, item.id)) return;
    var li = el("li");
    li.setAttribute("data-id", item.id);
    var time = el("time", "", window.Linli.formatTime(item.at, "short", "time"));
    time.setAttribute("datetime", item.at);
    li.appendChild(time);
    li.appendChild(document.createTextNode(" " + item.text));
    minutes.appendChild(li);
    reveal("minutes-empty");
  }

  function showDecision(item) {
    var li = byId(decisions, item.id);
    var label = t("decision." + item.status, item.status);
    if (li) {
      var state = li.querySelector(".state");
      if (state) state.textContent = label;
      return;
    }
    li = el("li", "decision");
    li.setAttribute("data-id", item.id);
    li.appendChild(el("p", "decision-text", item.text));
    var meta = el("p", "muted");
    meta.appendChild(document.createTextNode(t("who") + ": "));
    meta.appendChild(el("span", "owner", ownerText(item.owner_unit)));
    meta.appendChild(document.createTextNode(" · " + t("due") + " "));
    meta.appendChild(el("span", "due", dueText(item.due_on)));
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(el("strong", "state", label));
    li.appendChild(meta);
    decisions.appendChild(li);
    reveal("decisions-empty");
  }

  function showItem(item) {
    current.textContent = item.id ? item.position + ". " + item.title : t("nothing_now");
  }

  function showStatus(item) {
    status.setAttribute("data-status", item.status);
    status.textContent = t("status." + item.status, item.status);
    if (item.status === "ended") showItem({});
  }

  var handlers = { minute: addMinute, decision: showDecision, item: showItem, status: showStatus };
  var source = new EventSource(root.getAttribute("data-stream") + "?after=" +
    encodeURIComponent(root.getAttribute("data-after") || "0"));
  source.addEventListener("open", function () { connection.textContent = t("connected"); });
  source.addEventListener("error", function () { connection.textContent = t("reconnecting"); });
  source.addEventListener("meeting.updated", function (event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    var handle = handlers[data.kind];
    if (handle && data.item) handle(data.item);
  });
  }

  /* A deferred script runs while the document is "interactive", before DOMContentLoaded. */
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
