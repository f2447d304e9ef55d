/* Linli web UI: CSRF-aware API calls, the live command centre, case actions. No build step. */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var strings = {};
  ["linli-i18n", "linli-i18n-page"].forEach(function (id) {
    var el = document.getElementById(id);
    if (el) {
      try { Object.assign(strings, JSON.parse(el.textContent)); } catch (e) { /* keep English keys */ }
    }
  });

  function t(key, fallback) {
    return strings[key] || fallback || key;
  }

  /* Alarm headlines in the page's language ("Bin 99 % full"), from the metrics' words. */
  var metricWords = {};
  var wordsEl = document.getElementById("linli-metrics");
  if (wordsEl) {
    try { metricWords = JSON.parse(wordsEl.textContent); } catch (e) { metricWords = {}; }
  }

  function alarmHeadline(metric, value) {
    var w = metricWords[metric];
    if (!w) return "";
    if (w.boolean) return Number(value) >= 0.5 ? w.headline : w.headline_off;
    if (value === undefined || value === null) return w.label;
    var lang = document.documentElement.lang || undefined;
    var number = Number(value).toLocaleString(lang, { maximumFractionDigits: 1 });
    return w.headline.replace("{value}", (number + " " + (w.unit || "")).trim());
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  /* Call the JSON API with the session's CSRF token; throw an Error carrying the problem. */
  function api(method, url, body) {
    var headers = { "Accept": "application/json", "X-CSRF-Token": csrf };
    var payload = body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(url, { method: method, headers: headers, body: payload, credentials: "same-origin" })
      .then(function (res) {
        return res.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
          if (!res.ok) {
            var err = new Error((data && (data.detail || data.title)) || res.statusText);
            err.status = res.status;
            err.problem = data;
            throw err;
          }
          return data;
        });
      });
  }

  function itemsOf(page) {
    if (!page) return [];
    if (Array.isArray(page)) return page;
    return page.items || [];
  }

  /* The site's time zone, from the server: every time a script shows is in it, never in the
     browser's own zone, so a time reads the same here as on the server-rendered pages. */
  var zoneMeta = document.querySelector('meta[name="linli-timezone"]');
  var siteZone = (zoneMeta && zoneMeta.getAttribute("content")) || "UTC";
  var WIDTHS = ["full", "long", "medium", "short"];

  /* Write an instant (ISO text, a Date or epoch milliseconds) in the site's zone as the page's
     language writes it. `style` is a CLDR width like the server's `when` filter (default
     medium); `part` is "datetime" (default), "date" or "time". Returns text, never HTML. */
  function formatTime(value, style, part) {
    if (value === null || value === undefined || value === "") return "";
    var d = value instanceof Date ? value : new Date(value);
    if (isNaN(d.getTime())) return "";
    var width = WIDTHS.indexOf(style) >= 0 ? style : "medium";
    var opts = { timeZone: siteZone };
    if (part !== "time") opts.dateStyle = width;
    if (part !== "date") opts.timeStyle = width;
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined, opts).format(d);
    } catch (e) {
      return d.toISOString();
    }
  }

  /* The site zone's offset from UTC at an instant, in minutes (east positive). */
  function zoneOffset(ms) {
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: siteZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric"
    }).formatToParts(new Date(ms)).forEach(function (p) { parts[p.type] = p.value; });
    var wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
    return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60000);
  }

  /* Read a wall-clock time typed in a form ("2026-05-04T14:30", a datetime-local input) as a
     time of the site's zone, not the browser's; return the instant as ISO text ("" if unread). */
  function siteInstant(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(text || "").trim());
    if (!m) return "";
    var wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    var at = wall - zoneOffset(wall) * 60000;
    at = wall - zoneOffset(at) * 60000; /* the offset at the instant itself, across a change */
    return new Date(at).toISOString();
  }

  /* ------------------------------------------------------------ command centre */

  function CommandCentre(root) {
    this.root = root;
    this.alarms = new Map();
    this.cases = new Map();
    this.markers = new Map();
    this.alarmList = document.getElementById("alarm-list");
    this.caseList = document.getElementById("case-list");
    this.status = document.getElementById("live-status");
    this.initMap();
    this.loadLists();
    this.connect();
  }

  CommandCentre.prototype.initMap = function () {
    var maps = window.LinliMap;
    var map = maps.create(document.getElementById("map"));
    this.map = map;
    this.base = maps.base(map, this.root.dataset.baseUrl, { fit: true });
    /* Alarms and cases each in their own set: an alarm's dot stays inside its case's ring. */
    this.alarmMarkers = maps.markers(map, { clusterAt: 5 });
    this.caseMarkers = maps.markers(map, { clusterAt: 5 });
    maps.legend(map, [
      maps.legends.alarms(), maps.legends.cases(), maps.legends.cluster(),
      { title: null, items: [{ label: maps.t("incident_area"), shape: "area", fill: "#f04438", fillOpacity: 0.12, stroke: "#b42318", dash: "6 4" }] },
      maps.legends.base()
    ]);
  };

  CommandCentre.prototype.loadLists = function () {
    var self = this;
    api("GET", "/api/alarms?open=true&limit=100").then(function (page) {
      itemsOf(page).forEach(function (a) { self.upsertAlarm(a, false); });
    }).catch(function () { /* alarms API not available */ });
    var open = ["reported", "registered", "dispatched", "accepted", "in_progress", "handled", "verified", "returned"];
    api("GET", "/api/cases?limit=100&" + open.map(function (s) { return "status=" + s; }).join("&")).then(function (page) {
      itemsOf(page).forEach(function (c) { self.upsertCase(c, false); });
    }).catch(function () { /* cases API not available */ });
  };

  CommandCentre.prototype.setLive = function (state) {
    if (!this.status) return;
    this.status.dataset.state = state;
    var label = this.status.querySelector(".live-label");
    label.textContent = state === "open" ? t("live", "Live")
      : state === "connecting" ? t("connecting", "Connecting…") : t("reconnecting", "Reconnecting…");
  };

  CommandCentre.prototype.connect = function () {
    var self = this;
    var source = new EventSource(this.root.dataset.streamUrl);
    var opened = false;
    source.onopen = function () {
      self.setLive("open");
      if (opened) self.loadLists(); /* catch up on what happened while away */
      opened = true;
    };
    source.onerror = function () { self.setLive("error"); };
    ["alarm.raised", "alarm.changed"].forEach(function (subject) {
      source.addEventListener(subject, function (e) { self.upsertAlarm(JSON.parse(e.data), true); });
    });
    ["case.opened", "case.changed"].forEach(function (subject) {
      source.addEventListener(subject, function (e) { self.upsertCase(JSON.parse(e.data), true); });
    });
    source.addEventListener("overflow", function () { source.close(); setTimeout(function () { self.connect(); }, 1000); });
    this.source = source;
  };

  /* An alarm is a dot coloured and sized by severity; a case a ring by priority (dashed when
     overdue), so a case opened by an alarm circles it. */
  CommandCentre.prototype.marker = function (key, lat, lon, kind, details) {
    var set = kind === "alarm" ? this.alarmMarkers : this.caseMarkers;
    if (!set) return;
    if (!details) { set.remove(key); return; }
    set.set(key, { lat: lat, lon: lon, style: details.style, label: details.label, popup: details.popup });
  };

  CommandCentre.prototype.refreshCounts = function () {
    [[this.alarmList, "alarm-count"], [this.caseList, "case-count"]].forEach(function (pair) {
      var rows = pair[0].querySelectorAll("li[data-id]").length;
      var empty = pair[0].querySelector("li.empty");
      if (empty) empty.hidden = rows > 0;
      document.getElementById(pair[1]).textContent = String(rows);
    });
  };

  CommandCentre.prototype.place = function (list, key, row, fresh) {
    var old = list.querySelector('li[data-id="' + CSS.escape(key) + '"]');
    if (old) list.replaceChild(row, old);
    else list.insertBefore(row, list.querySelector("li[data-id]"));
    if (fresh) {
      row.classList.add("fresh");
      setTimeout(function () { row.classList.remove("fresh"); }, 4000);
    }
    this.refreshCounts();
  };

  CommandCentre.prototype.upsertAlarm = function (a, fresh) {
    var id = String(a.alarm_id || a.id || "");
    if (!id) return;
    var key = "alarm-" + id;
    if (a.status === "cleared") {
      var gone = this.alarmList.querySelector('li[data-id="' + CSS.escape(key) + '"]');
      if (gone) gone.remove();
      this.marker(key, null, null, "alarm");
      this.refreshCounts();
      return;
    }
    var sev = a.severity || "warning";
    var headline = alarmHeadline(a.metric, a.value);
    var what = headline ? a.device_code || "" : [a.metric, a.value !== undefined && a.value !== null ? String(a.value) : ""].join(" ").trim();
    var title = headline || a.device_code || a.device || a.rule_name || t("alarm", "Alarm");
    var children = [
      el("span", { class: "badge severity-" + sev, text: t("severity." + sev, sev) }),
      el("span", { class: "row-title", text: title }),
      el("span", { class: "row-meta", text: [what, formatTime(a.raised_at || a.at, "short")].filter(Boolean).join(" · ") })
    ];
    if (a.case_id) {
      children.push(el("a", { class: "row-link", href: "/cases/" + encodeURIComponent(a.case_id), text: t("open_case", "Open case") }));
    }
    var row = el("li", { "data-id": key, class: "row alarm-row status-" + (a.status || "active") }, children);
    this.place(this.alarmList, key, row, fresh);
    var sevText = t("severity." + sev, sev);
    this.marker(key, a.lat, a.lon, "alarm", {
      style: window.LinliMap.styles.alarm(sev),
      label: [t("alarm", "Alarm"), sevText, title, what].filter(Boolean).join(" · "),
      popup: function () {
        return el("div", {}, [el("strong", { text: title }), el("div", { text: sevText }), el("div", { text: what })]);
      }
    });
  };

  CommandCentre.prototype.upsertCase = function (c, fresh) {
    var id = String(c.case_id || c.id || "");
    if (!id) return;
    var key = "case-" + id;
    var href = "/cases/" + encodeURIComponent(id);
    if (c.status === "closed" || c.status === "rejected") {
      var gone = this.caseList.querySelector('li[data-id="' + CSS.escape(key) + '"]');
      if (gone) gone.remove();
      this.marker(key, null, null, "case");
      this.refreshCounts();
      return;
    }
    var link = el("a", { class: "row-title", href: href }, [
      el("span", { class: "ref", text: c.ref || "" }),
      document.createTextNode(" " + (c.title || ""))
    ]);
    var opened = formatTime(c.created_at, "short");
    var badges = el("span", { class: "row-meta" }, [
      opened ? el("time", { datetime: c.created_at, class: "opened", text: opened }) : null,
      el("span", { class: "badge status-" + c.status, text: t("status." + c.status, c.status) }),
      c.overdue ? el("span", { class: "badge overdue", text: t("overdue", "Overdue") }) : null,
      c.priority && c.priority <= 2 ? el("span", { class: "badge priority-" + c.priority, text: "P" + c.priority }) : null
    ]);
    var row = el("li", { "data-id": key, class: "row case-row" }, [link, badges]);
    this.place(this.caseList, key, row, fresh);
    var priority = c.priority || 3;
    var words = [t("case", "Case"), c.ref || "", c.title || "", window.LinliMap.t("priority." + priority, ""),
      c.overdue ? t("overdue", "Overdue") : ""].filter(Boolean).join(" · ");
    this.marker(key, c.lat, c.lon, "case", {
      style: window.LinliMap.styles["case"](priority, Boolean(c.overdue)),
      label: words,
      popup: function () {
        return el("div", {}, [el("a", { href: href, text: (c.ref || "") + " " + (c.title || "") })]);
      }
    });
  };

  /* ------------------------------------------------------------ case actions */

  function formError(form, message) {
    var box = form.querySelector(".form-error");
    if (!box) {
      box = el("p", { class: "form-error", role: "alert" });
      form.prepend(box);
    }
    box.textContent = message;
    box.hidden = !message;
  }

  function refreshRegion(form) {
    var region = form.closest("[data-refresh]");
    if (!region || !window.htmx) { window.location.reload(); return; }
    var url = region.getAttribute("data-refresh");
    var target = "#" + region.id;
    window.htmx.ajax("GET", url, { target: target, select: target, swap: "outerHTML" });
  }

  function uploadPhotos(caseId, input) {
    var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
    return files.reduce(function (chain, file) {
      return chain.then(function (ids) {
        var data = new FormData();
        data.append("file", file, file.name);
        return api("POST", "/api/cases/" + caseId + "/attachments", data).then(function (res) {
          ids.push(String(res.id));
          return ids;
        });
      });
    }, Promise.resolve([]));
  }

  function submitAction(form, submitter) {
    var caseId = form.dataset.caseId;
    var action = form.dataset.action;
    var note = form.querySelector('[name="note"]');
    var reason = form.querySelector('[name="reason"]');
    var photo = form.querySelector('input[type="file"]');
    var body = {};
    if (note && note.value.trim()) body.note = note.value.trim();
    if (reason) body.reason = reason.value.trim();
    var shown = form.querySelector('[name="public"]');
    if (shown && shown.checked) body.public = true;
    var needsNote = form.dataset.noteRequired || (submitter && submitter.dataset.needsNote);
    if (needsNote && !body.note) { formError(form, t("note_required")); return; }
    if (reason && !body.reason) { formError(form, t("reason_required")); return; }
    if (action === "verify") body.passed = !(submitter && submitter.value === "fail");
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    form.dataset.busy = "1";
    formError(form, photo && photo.files && photo.files.length ? t("uploading") : t("saving"));
    form.querySelector(".form-error").classList.add("pending");
    uploadPhotos(caseId, photo).then(function (ids) {
      if (ids.length) body.evidence = ids;
      return api("POST", "/api/cases/" + caseId + "/" + action, body);
    }).then(function () {
      refreshRegion(form);
    }).catch(function (err) {
      delete form.dataset.busy;
      buttons.forEach(function (b) { b.disabled = false; });
      formError(form, err.message || t("failed"));
      form.querySelector(".form-error").classList.remove("pending");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form[data-action]")) return;
    event.preventDefault();
    submitAction(form, event.submitter);
  });

  /* Whether an action form holds a note or photo not sent yet. */
  function unsent(root) {
    var fields = root.querySelectorAll("form[data-action] textarea, form[data-action] input[type=file]");
    return Array.prototype.some.call(fields, function (f) {
      return f.type === "file" ? f.files.length > 0 : f.value !== f.defaultValue;
    });
  }

  /* Typing may start while a live re-render is on its way: that one is dropped too. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    if (config && config.headers && config.headers["X-Linli-Live"] && unsent(event.detail.target)) {
      event.detail.shouldSwap = false;
    }
  });

  /* Re-render a case page or the workbench when one of its cases changes elsewhere. */
  function liveRefresh(root) {
    var id = root.id;
    var watchAll = Boolean(root.dataset.watchAll);
    var ids = root.dataset.watchCases ? root.dataset.watchCases.split(" ") : [];
    var source = new EventSource("/api/events/stream");
    function refresh() {
      var current = document.getElementById(id);
      if (!current || !window.htmx || current.querySelector("form[data-busy]")) return;
      if (unsent(current)) return; /* never wipe what someone is typing; their submit re-renders */
      window.htmx.ajax("GET", current.dataset.refresh, {
        target: "#" + id, select: "#" + id, swap: "outerHTML", headers: { "X-Linli-Live": "1" }
      });
    }
    source.addEventListener("case.changed", function (e) {
      var c = JSON.parse(e.data);
      if (watchAll || ids.indexOf(String(c.case_id)) >= 0) refresh();
    });
    source.addEventListener("case.opened", function () { if (watchAll) refresh(); });
  }

  /* The case page: where the case is, in its neighbourhood (built again after a live refresh). */
  function caseMap() {
    var root = document.getElementById("case-map");
    if (!root || root.dataset.drawn || !window.L || !window.LinliMap) return;
    root.dataset.drawn = "1";
    var maps = window.LinliMap;
    var lat = parseFloat(root.dataset.lat), lon = parseFloat(root.dataset.lon);
    var map = maps.create(root, { center: [lat, lon], zoom: 16 });
    var box = [lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02].map(function (v) { return v.toFixed(4); }).join(",");
    maps.base(map, root.dataset.baseUrl + "?bbox=" + box);
    var priority = parseInt(root.dataset.priority, 10) || 3;
    maps.markers(map).set("case", {
      lat: lat, lon: lon, style: maps.styles["case"](priority, Boolean(root.dataset.overdue)),
      label: root.dataset.label
    });
    maps.legend(map, [maps.legends.cases(), maps.legends.base()]);
  }

  document.addEventListener("htmx:afterSettle", caseMap);

  /* Buttons that print the page (no inline handlers: the CSP forbids them). */
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  /* The phone menu is a <details> and works without this; Escape closes it, as menus do. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = document.querySelector(".nav-menu[open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var centre = document.getElementById("command-centre");
    if (centre && window.L && window.LinliMap) window.Linli.commandCentre = new CommandCentre(centre);
    caseMap();
    var watched = document.querySelector("[data-live-refresh]");
    if (watched) liveRefresh(watched);
  });

  window.Linli = { api: api, t: t, formatTime: formatTime, siteInstant: siteInstant, timeZone: siteZone };
})();
