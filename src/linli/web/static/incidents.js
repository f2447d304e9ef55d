/* Linli incidents: the incident page's forms and map, and incident areas on the command centre. */
(function () {
  "use strict";

  var RESOURCE_STYLE = { fill: "#32d583", stroke: "#027a48", radius: 7, rank: 0, className: "marker-resource" };
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

  /* The incident's area over the site's own base layer, its linked cases by priority (dashed
     when overdue) and its resources. */
  function incidentMap(el) {
    var maps = window.LinliMap;
    var map = maps.create(el);
    var area = parse(el.dataset.area);
    var bounds = null;
    if (area) {
      var layer = L.geoJSON(area, { style: function () { return AREA_STYLE; } }).addTo(map);
      bounds = layer.getBounds();
    }
    var cases = maps.markers(map, { clusterAt: 5 });
    (parse(el.dataset.cases) || []).forEach(function (c) {
      if (c.lat === null || c.lon === null) return;
      var text = (c.ref || "") + " · " + (c.title || "");
      cases.set("case-" + c.ref, {
        lat: c.lat, lon: c.lon, style: maps.styles["case"](c.priority || 3, Boolean(c.overdue)),
        label: text, popup: function () { return textNode("div", text); }
      });
      if (bounds) bounds.extend([c.lat, c.lon]);
    });
    var resources = maps.markers(map, { clusterAt: 5 });
    (parse(el.dataset.resources) || []).forEach(function (r, i) {
      if (r.lat === null || r.lon === null) return;
      var text = (r.name || "") + " × " + r.quantity;
      resources.set("resource-" + i, {
        lat: r.lat, lon: r.lon, style: RESOURCE_STYLE, label: text,
        popup: function () { return textNode("div", text); }
      });
    });
    maps.base(map, el.dataset.baseUrl, { fit: !(bounds && bounds.isValid()) });
    maps.legend(map, [
      { title: null, items: [
        { label: maps.t("incident_area"), shape: "area", fill: AREA_STYLE.fillColor, fillOpacity: 0.12, stroke: AREA_STYLE.color, dash: AREA_STYLE.dashArray },
        { label: maps.t("resource"), radius: RESOURCE_STYLE.radius, fill: RESOURCE_STYLE.fill, stroke: RESOURCE_STYLE.stroke }
      ] },
      maps.legends.cases(), maps.legends.base()
    ]);
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
    if (!window.L || !window.LinliMap) return;
    var el = document.getElementById("incident-map");
    if (el) incidentMap(el);
    var centre = window.Linli && window.Linli.commandCentre;
    if (centre && centre.map) commandCentreLayer(centre);
  });
})();
