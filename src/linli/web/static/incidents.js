/* Linli incidents: the incident page's forms and map, and incident areas on the command centre. */
(function () {
  "use strict";

  var AREA_STYLE = { color: "#b42318", weight: 2, dashArray: "6 4", fillColor: "#f04438", fillOpacity: 0.12, className: "incident-area" };

  /* Data becomes text in DOM nodes, never HTML: a report's first line can be anything. */
  function textNode(tag, text, className) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    node.textContent = text === null || text === undefined ? "" : String(text);
    return node;
  }

  /* A link only to a path on this site: no javascript:, no other origin. */
  function sitePath(url) {
    return typeof url === "string" && /^\/(?![\/\\])/.test(url) ? url : null;
  }

  function parse(text) {
    try { return text ? JSON.parse(text) : null; } catch (e) { return null; }
  }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function send(method, url, body) {
    var headers = { "Accept": "application/json", "X-CSRF-Token": csrf() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = parse(text);
        if (!res.ok) throw new Error((data && (data.detail || data.title)) || res.statusText);
        return data;
      });
    });
  }

  /* Build the JSON body of a form: names with dots nest ("text.en"), data-type converts. */
  function bodyOf(form, submitter) {
    var body = {};
    form.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (field) {
      var type = field.dataset.type;
      var value;
      if (type === "bool") value = field.checked;
      else {
        value = field.value.trim();
        if (value === "") return;
        if (type === "int") value = parseInt(value, 10);
        else if (type === "datetime") value = window.Linli.siteInstant(value) || value;
      }
      var path = field.name.split("."), target = body;
      path.slice(0, -1).forEach(function (k) { target = target[k] = target[k] || {}; });
      target[path[path.length - 1]] = value;
    });
    if (submitter && submitter.name) body[submitter.name] = submitter.value;
    return body;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-incident-action")) return;
    event.preventDefault();
    var error = form.querySelector(".form-error");
    var method = form.dataset.method || "POST";
    var body = method === "DELETE" ? undefined : bodyOf(form, event.submitter);
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    send(method, form.dataset.url, body).then(function () {
      window.location.reload();
    }).catch(function (err) {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      if (error) error.textContent = err.message;
    });
  });

  function baseMap(el) {
    var tileUrl = el.dataset.tileUrl;
    var map = L.map(el, { attributionControl: Boolean(tileUrl), zoomSnap: 0.25 });
    if (tileUrl) {
      L.tileLayer(tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    map.setView([22.55, 113.88], 12);
    return map;
  }

  function incidentMap(el) {
    var map = baseMap(el);
    var area = parse(el.dataset.area);
    var bounds = null;
    if (area) {
      var layer = L.geoJSON(area, { style: function () { return AREA_STYLE; } }).addTo(map);
      bounds = layer.getBounds();
    }
    (parse(el.dataset.cases) || []).forEach(function (c) {
      if (c.lat === null || c.lon === null) return;
      L.circleMarker([c.lat, c.lon], { radius: 8, color: "#1f4e99", fillColor: "#5b8def", fillOpacity: 0.5, weight: 2, className: "marker-case" })
        .bindPopup(textNode("div", (c.ref || "") + " · " + (c.title || ""))).addTo(map);
      if (bounds) bounds.extend([c.lat, c.lon]);
    });
    (parse(el.dataset.resources) || []).forEach(function (r) {
      if (r.lat === null || r.lon === null) return;
      L.circleMarker([r.lat, r.lon], { radius: 6, color: "#027a48", fillColor: "#32d583", fillOpacity: 0.8, weight: 2, className: "marker-resource" })
        .bindPopup(textNode("div", (r.name || "") + " × " + r.quantity)).addTo(map);
    });
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16] });
  }

  /* The command centre: draw the active incidents' areas over its map. */
  function commandCentreLayer(centre) {
    var map = centre.map;
    var base = "/api/incidents?active=true&geo=true&limit=200";
    /* Draw one page of areas, then follow the page's `next` cursor until the last page. */
    function load(cursor, pagesLeft) {
      var url = cursor ? base + "&cursor=" + encodeURIComponent(cursor) : base;
      fetch(url, {
        credentials: "same-origin", headers: { "Accept": "application/geo+json, application/json" }
      }).then(function (res) { return res.ok ? res.json() : null; }).then(function (fc) {
        if (!fc || !fc.features) return;
        if (fc.features.length) draw(fc);
        if (fc.next && pagesLeft > 1) load(fc.next, pagesLeft - 1);
      }).catch(function () { /* no incidents layer */ });
    }
    function draw(fc) {
      L.geoJSON(fc, {
        style: function () { return AREA_STYLE; },
        onEachFeature: function (f, lyr) {
          var p = f.properties || {};
          var href = sitePath(p.url);
          var link = textNode(href ? "a" : "span", p.title);
          if (href) link.setAttribute("href", href);
          lyr.bindPopup(link);
          lyr.bindTooltip(textNode("span", p.title), { sticky: true });
        }
      }).addTo(map);
    }
    load(null, 10);
  }

  /* `load` comes after every DOMContentLoaded handler, so the command centre's map exists. */
  window.addEventListener("load", function () {
    if (!window.L) return;
    var el = document.getElementById("incident-map");
    if (el) incidentMap(el);
    var centre = window.Linli && window.Linli.commandCentre;
    if (centre && centre.map) commandCentreLayer(centre);
  });
})();
