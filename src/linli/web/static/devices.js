/* Linli device pages: the status map, live charts (uPlot, refreshed by periodic fetch), and the
   forms that post to the devices API (commands, credentials, provisioning). */
(function () {
  "use strict";

  var REFRESH_MS = 5000;

  function parse(text) {
    try { return text ? JSON.parse(text) : null; } catch (e) { return null; }
  }

  function strings() {
    var el = document.getElementById("linli-i18n-page");
    return (el && parse(el.textContent)) || {};
  }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function send(url, body) {
    var headers = { "Accept": "application/json", "X-CSRF-Token": csrf() };
    var payload = body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(url, { method: "POST", headers: headers, body: payload, credentials: "same-origin" })
      .then(function (res) {
        if (res.ok) return res;
        return res.text().then(function (text) {
          var data = parse(text);
          throw new Error((data && (data.detail || data.title)) || res.statusText);
        });
      });
  }

  function fail(form, err) {
    var box = form.querySelector(".form-error") || form.parentNode.querySelector(".form-error");
    if (box) box.textContent = err.message;
    form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
  }

  function showCredentials(data) {
    var box = document.getElementById("new-credentials");
    if (!box) return;
    var t = strings();
    var lines = [data.device.code];
    lines.push((t.token || "token") + ": " + data.token);
    if (data.mqtt_password) lines.push((t.mqtt_password || "MQTT password") + ": " + data.mqtt_password);
    box.querySelector("pre").textContent = lines.join("\n");
    box.hidden = false;
  }

  function formBody(form) {
    var body = {};
    form.querySelectorAll("input[name], select[name]").forEach(function (field) {
      var value = field.value.trim();
      if (value === "") return;
      body[field.name] = field.dataset.type === "float" ? parseFloat(value) : value;
    });
    return body;
  }

  var actions = {
    "command-form": function (form) {
      var body = formBody(form);
      var params = {};
      if (body.params) {
        params = parse(body.params);
        if (!params || typeof params !== "object" || Array.isArray(params)) {
          return Promise.reject(new Error(strings().bad_params || "bad params"));
        }
      }
      return send(form.dataset.url, { name: body.name, params: params })
        .then(function () { window.location.reload(); });
    },
    "rotate-form": function (form) {
      return send(form.dataset.url).then(function (res) { return res.json(); }).then(showCredentials);
    },
    "revoke-form": function (form) {
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return Promise.resolve();
      return send(form.dataset.url).then(function () { window.location.reload(); });
    },
    "device-register": function (form) {
      return send(form.dataset.url, formBody(form))
        .then(function (res) { return res.json(); }).then(showCredentials);
    },
    "device-import": function (form) {
      return send(form.dataset.url, new FormData(form))
        .then(function (res) { return res.blob(); })
        .then(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = "device-credentials.csv";
          document.body.appendChild(link);
          link.click();
          link.remove();
          var box = form.querySelector(".form-error");
          if (box) box.textContent = strings().imported || "";
        });
    }
  };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !actions[form.id]) return;
    event.preventDefault();
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    Promise.resolve().then(function () { return actions[form.id](form); })
      .then(function () { form.querySelectorAll("button").forEach(function (b) { b.disabled = false; }); })
      .catch(function (err) { fail(form, err); });
  });

  function sitePath(url) {
    return typeof url === "string" && /^\/(?![\/\\])/.test(url);
  }

  /* Devices coloured and sized by status (offline stands out), numbered circles where dense,
     over the site's own base layer. Names become text in DOM nodes, never HTML. */
  function deviceMap(el) {
    var maps = window.LinliMap;
    var source = document.getElementById("device-markers");
    var markers = (source && parse(source.textContent)) || [];
    var map = maps.create(el);
    var set = maps.markers(map, { clusterAt: 5 });
    var words = { online: maps.t("device.online"), offline: maps.t("device.offline"), unknown: maps.t("device.unknown") };
    markers.forEach(function (m) {
      set.set(m.id, {
        lat: m.lat, lon: m.lon, style: maps.styles.device(m.status),
        label: [m.code || "", m.name || "", m.type || "", words[m.status] || m.status].filter(Boolean).join(" · "),
        href: sitePath(m.url) ? m.url : null
      });
    });
    maps.base(map, el.dataset.baseUrl, { fit: !markers.length });
    maps.legend(map, [maps.legends.devices(), maps.legends.cluster(), maps.legends.base()]);
    if (markers.length) map.fitBounds(set.bounds().pad(0.2), { maxZoom: 16 });
  }

  /* The newest point in words beside the chart, for readers who cannot see the plot. */
  function latest(fig, point) {
    var box = fig.querySelector(".chart-latest");
    if (!box) return;
    if (!point) { box.textContent = strings().no_readings || ""; return; }
    var when = window.Linli.formatTime(point.ts, "short");
    var node = document.createElement("time");
    node.setAttribute("datetime", point.ts);
    node.textContent = when;
    box.textContent = (strings().latest || "Latest") + ": " + String(point.value) + (fig.dataset.unit ? " " + fig.dataset.unit : "") + " · ";
    box.appendChild(node);
  }

  function chart(section, fig) {
    var t = strings();
    var url = section.dataset.readingsUrl;
    var metric = fig.dataset.metric;
    var holder = fig.querySelector(".plot");
    var plot = null;
    function refresh() {
      var start = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
      var query = "?metric=" + encodeURIComponent(metric) + "&max_points=1000&start=" + encodeURIComponent(start);
      fetch(url + query, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (body) {
          if (!body) return;
          var xs = [], ys = [];
          body.items.forEach(function (p) { xs.push(Date.parse(p.ts) / 1000); ys.push(p.value); });
          if (!plot) {
            var linli = window.Linli;
            plot = new uPlot({
              width: Math.max(holder.clientWidth || 0, 320), height: 220,
              scales: { x: { time: true } },
              /* Axis ticks on the site's wall clock, the legend in the site's words. */
              tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), linli.timeZone); },
              series: [
                { label: t.time || "Time", value: function (u, ts) { return ts == null ? "" : linli.formatTime(ts * 1e3, "short"); } },
                { label: metric, stroke: "#1f4e99", width: 2, points: { show: true, size: 6 } }
              ]
            }, [xs, ys], holder);
          } else {
            plot.setData([xs, ys]);
          }
          fig.dataset.points = String(plot.data[1].length);
          latest(fig, body.items[body.items.length - 1]);
        })
        .catch(function () { /* try again on the next round */ });
    }
    refresh();
    window.setInterval(refresh, REFRESH_MS);
  }

  window.addEventListener("load", function () {
    var mapEl = document.getElementById("device-map");
    if (mapEl && window.L && window.LinliMap) deviceMap(mapEl);
    var section = document.getElementById("device-charts");
    if (section && window.uPlot) {
      section.querySelectorAll(".device-chart").forEach(function (fig) { chart(section, fig); });
    }
  });
})();
