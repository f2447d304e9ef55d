/* Linli maps: what every map shares. An offline base layer drawn from the site's own data (area
   outlines and roads named in the reader's language, buildings, amenities), a legend, markers coloured and
   sized by what they mean, and grid clustering where markers are dense. No tile server is needed;
   a configured tile source (data-tile-url) is drawn under the base layer.
   Data becomes text in DOM nodes, never HTML. */
(function () {
  "use strict";

  var strings = {};
  var box = document.getElementById("linli-map-i18n");
  if (box) {
    try { strings = JSON.parse(box.textContent); } catch (e) { strings = {}; }
  }
  function t(key, fallback) { return strings[key] || fallback || key; }

  var SVG = "http://www.w3.org/2000/svg";
  var BUILDING_M = 15; /* half the side of a building's square: no footprints are stored */
  var PLACE = { fill: "#b2ccff", stroke: "#475467" };
  /* Roads: a white line in a grey casing, main roads (avenues, bus routes) wider. */
  var ROAD = { fill: "#ffffff", casing: "#98a2b3", main: 5, local: 3 };
  var ROAD_NAMES_FROM = 14; /* road names show from this zoom on, where they fit along the road */
  var ROAD_NAME_PX = 6.5; /* about the width of a letter of a road's name */
  var POINTS_FROM_ZOOM = 13; /* many buildings and amenities show from this zoom on */
  var MANY_POINTS = 800;
  var DETAIL_ZOOM = 13; /* a cut-short base layer is fetched again for the view from here */

  /* Alarms by severity, cases by priority (and overdue), devices by status: fill, outline,
     radius; `rank` orders them, a cluster taking the colour of its highest. */
  var STYLES = {
    severity: {
      critical: { fill: "#d92d20", stroke: "#7a271a", radius: 11, rank: 4 },
      major: { fill: "#f79009", stroke: "#93370d", radius: 9, rank: 3 },
      minor: { fill: "#fac515", stroke: "#854a0e", radius: 7, rank: 2 },
      warning: { fill: "#53b1fd", stroke: "#175cd3", radius: 6, rank: 1 }
    },
    priority: {
      1: { fill: "#c11574", stroke: "#851651", radius: 14, weight: 4, rank: 4 },
      2: { fill: "#7a5af8", stroke: "#5925dc", radius: 12, weight: 3, rank: 3 },
      3: { fill: "#5b8def", stroke: "#1f4e99", radius: 11, weight: 3, rank: 2 },
      4: { fill: "#98a2b3", stroke: "#475467", radius: 10, weight: 2, rank: 1 }
    },
    device: {
      offline: { fill: "#d92d20", stroke: "#7a271a", radius: 8, rank: 3 },
      unknown: { fill: "#98a2b3", stroke: "#475467", radius: 6, rank: 2 },
      online: { fill: "#12b76a", stroke: "#05603a", radius: 6, rank: 1 }
    },
    /* Open cases on the resident map, by how far they have got. */
    progress: {
      "new": { fill: "#f79009", stroke: "#93370d", radius: 9, rank: 3 },
      working: { fill: "#5b8def", stroke: "#1f4e99", radius: 9, rank: 2 },
      fixed: { fill: "#12b76a", stroke: "#05603a", radius: 9, rank: 1 }
    }
  };
  var PROGRESS = {
    reported: "new", registered: "new", returned: "new",
    dispatched: "working", accepted: "working", in_progress: "working",
    handled: "fixed", verified: "fixed"
  };

  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = String(text);
    return el;
  }

  /* ------------------------------------------------------------ the map itself */

  function create(el, options) {
    var opts = options || {};
    var tileUrl = el.dataset.tileUrl;
    var map = L.map(el, { attributionControl: Boolean(tileUrl), zoomSnap: 0.25, maxZoom: 19 });
    if (tileUrl) {
      L.tileLayer(tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    map.createPane("linli-base").style.zIndex = 350; /* under markers and incident areas */
    map.createPane("linli-labels").style.zIndex = 390;
    map.setView(opts.center || [22.55, 113.88], opts.zoom || 12);
    el.classList.add("linli-map");
    return map;
  }

  /* ------------------------------------------------------------ base layer */

  function BaseLayer(map, url, options) {
    this.map = map;
    this.url = url;
    this.options = options || {};
    this.renderer = L.svg({ pane: "linli-base" });
    /* Roads lie under the areas' outlines and the buildings: their own pane, every casing
       drawn before (under) every road's white line. */
    if (!map.getPane("linli-roads")) map.createPane("linli-roads").style.zIndex = 340;
    this.casings = L.svg({ pane: "linli-roads" }).addTo(map);
    this.lines = L.svg({ pane: "linli-roads" }).addTo(map);
    this.areas = L.layerGroup().addTo(map);
    this.roads = L.layerGroup().addTo(map);
    this.labels = L.layerGroup().addTo(map);
    this.points = L.layerGroup().addTo(map);
    this.labelled = [];
    this.named = [];
    this.fetched = {};
    var self = this;
    map.on("zoomend moveend", function () { self.showLabels(); self.detail(); });
    this.load(url).then(function (fc) {
      if (!fc) return;
      self.cut = fc.truncated || {};
      /* Part of a district's buildings would look like all of them: then only the view's. */
      if (self.cut.buildings || self.cut.places) {
        fc = { features: (fc.features || []).filter(function (f) {
          var layer = (f.properties || {}).layer;
          return layer === "unit" || (layer === "road" && !self.cut.roads);
        }) };
      }
      self.draw(fc, true);
      if (self.options.fit) self.fit();
      self.showLabels();
      self.detail();
      map.getContainer().dataset.baseLayer = "ready";
      if (self.options.onReady) self.options.onReady(self);
    });
  }

  BaseLayer.prototype.load = function (url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/geo+json, application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .catch(function () { return null; });
  };

  BaseLayer.prototype.draw = function (fc, withAreas) {
    var self = this;
    /* Roads come with the areas, or with each view's buildings when there were too many. */
    var withRoads = withAreas || Boolean(this.cut && this.cut.roads);
    if (withAreas) {
      this.areas.clearLayers(); this.labels.clearLayers(); this.labelled = [];
      if (!this.where) this.where = whereControl(this.map);
    }
    if (withRoads) { this.roads.clearLayers(); this.named = []; }
    this.points.clearLayers();
    (fc.features || []).forEach(function (f) {
      var p = f.properties || {};
      if (p.layer === "unit" && withAreas) self.area(f, p);
      else if (p.layer === "road" && withRoads) self.road(f, p);
      else if (p.layer === "building") self.building(f, p);
      else if (p.layer === "place") self.place(f, p);
    });
    if (withRoads) {
      /* Main roads, then longer ones, get their names written first. */
      this.named.sort(function (a, b) { return (b.main - a.main) || (b.metres - a.metres); });
      if (!withAreas) this.showLabels();
    }
  };

  BaseLayer.prototype.road = function (f, p) {
    var width = p.kind === "main" ? ROAD.main : ROAD.local;
    var base = { pane: "linli-roads", interactive: false };
    L.geoJSON(f, Object.assign({ renderer: this.casings, style: {
      color: ROAD.casing, weight: width + 2, opacity: 1, lineCap: "round", lineJoin: "round", className: "base-road-casing"
    } }, base)).addTo(this.roads);
    L.geoJSON(f, Object.assign({ renderer: this.lines, style: {
      color: ROAD.fill, weight: width, opacity: 1, lineCap: "round", lineJoin: "round", className: "base-road kind-" + p.kind
    } }, base)).addTo(this.roads);
    if (!p.name || !p.label_at) return;
    var at = L.latLng(p.label_at[1], p.label_at[0]);
    var parts = lineParts(f.geometry);
    var label = node("span", "road-label kind-" + p.kind, p.name);
    var marker = L.marker(at, {
      icon: L.divIcon({ className: "road-label-icon", html: label, iconSize: null }),
      interactive: false, keyboard: false, pane: "linli-labels"
    }).addTo(this.roads);
    var el = marker.getElement();
    if (el) el.hidden = true;
    var bounds = L.latLngBounds([]), metres = 0;
    parts.forEach(function (part) {
      var length = 0;
      part.forEach(function (q, i) { bounds.extend(q); if (i) length += part[i - 1].distanceTo(q); });
      metres = Math.max(metres, length);
    });
    this.named.push({ marker: marker, label: label, at: at, parts: parts, bounds: bounds,
                      name: p.name, main: p.kind === "main" ? 1 : 0, metres: metres });
  };

  function lineParts(geometry) {
    var parts = geometry.type === "LineString" ? [geometry.coordinates]
      : geometry.type === "MultiLineString" ? geometry.coordinates : [];
    return parts.map(function (part) { return part.map(function (c) { return L.latLng(c[1], c[0]); }); });
  }

  /* The point of a road nearest `target` (pixels on the map), with the angle in degrees of
     the stretch it lies on, turned so that text along it reads upright. */
  function nearestOn(map, parts, target) {
    var best = null;
    parts.forEach(function (part) {
      var points = part.map(function (q) { return map.latLngToContainerPoint(q); });
      for (var i = 1; i < points.length; i++) {
        var a = points[i - 1], b = points[i];
        var q = L.LineUtil.closestPointOnSegment(target, a, b), d = q.distanceTo(target);
        if (best && d >= best.d) continue;
        var angle = Math.atan2(b.y - a.y, b.x - a.x) * 180 / Math.PI;
        if (angle > 90) angle -= 180;
        if (angle < -90) angle += 180;
        best = { d: d, point: q, angle: angle };
      }
    });
    return best;
  }

  /* Write the names of the roads long enough on screen for them, most important first, none
     over another: halfway along the road, or where it passes nearest the middle of the map
     when its halfway point is out of view. */
  BaseLayer.prototype.showRoadNames = function () {
    var map = this.map, zoom = map.getZoom(), view = map.getBounds(), size = map.getSize();
    var middle = size.divideBy(2), margin = 12, placed = [];
    var metresPerPx = 40075016.686 * Math.cos(map.getCenter().lat * Math.PI / 180) / Math.pow(2, zoom + 8);
    this.named.forEach(function (r) {
      var show = false;
      var w = r.name.length * ROAD_NAME_PX + 12, h = 16;
      if (zoom >= ROAD_NAMES_FROM && view.intersects(r.bounds) && r.metres / metresPerPx >= w + 24) {
        var target = view.contains(r.at) ? map.latLngToContainerPoint(r.at) : middle;
        var spot = nearestOn(map, r.parts, target);
        var rad = spot ? spot.angle * Math.PI / 180 : 0;
        var cos = Math.abs(Math.cos(rad)), sin = Math.abs(Math.sin(rad));
        var hw = (w * cos + h * sin) / 2, hh = (w * sin + h * cos) / 2;
        var c = spot && spot.point;
        if (c && c.x - hw >= margin && c.x + hw <= size.x - margin && c.y - hh >= margin && c.y + hh <= size.y - margin) {
          var box = { l: c.x - hw, r: c.x + hw, t: c.y - hh, b: c.y + hh };
          show = !placed.some(function (o) { return box.l < o.r && o.l < box.r && box.t < o.b && o.t < box.b; });
          if (show) {
            placed.push(box);
            r.marker.setLatLng(map.containerPointToLatLng(c));
            r.label.style.transform = "translate(-50%, -50%) rotate(" + spot.angle.toFixed(1) + "deg)";
          }
        }
      }
      var el = r.marker.getElement();
      if (el) el.hidden = !show;
    });
  };

  BaseLayer.prototype.area = function (f, p) {
    var fine = p.kind === "grid";
    var layer = L.geoJSON(f, {
      renderer: this.renderer, pane: "linli-base", interactive: false,
      style: {
        color: fine ? "#5b8def" : "#1f4e99", weight: fine ? 1 : 2, dashArray: fine ? "3 3" : null,
        fillColor: "#1f4e99", fillOpacity: fine ? 0.02 : 0.05, className: "base-area kind-" + p.kind
      }
    }).addTo(this.areas);
    if (!p.name || !p.label_at) return;
    var label = node("span", "unit-label kind-" + p.kind, p.name);
    var marker = L.marker([p.label_at[1], p.label_at[0]], {
      icon: L.divIcon({ className: "unit-label-icon", html: label, iconSize: null }),
      interactive: false, keyboard: false, pane: "linli-labels"
    }).addTo(this.labels);
    this.labelled.push({ bounds: layer.getBounds(), marker: marker, depth: p.depth || 0, name: p.name, geometry: f.geometry });
  };

  BaseLayer.prototype.building = function (f, p) {
    var c = f.geometry.coordinates, dLat = BUILDING_M / 111320;
    var dLon = dLat / Math.max(Math.cos(c[1] * Math.PI / 180), 0.01);
    L.rectangle([[c[1] - dLat, c[0] - dLon], [c[1] + dLat, c[0] + dLon]], {
      renderer: this.renderer, pane: "linli-base", interactive: false,
      color: "#667085", weight: 1, fillColor: "#d0d5dd", fillOpacity: 0.9, className: "base-building"
    }).addTo(this.points);
  };

  BaseLayer.prototype.place = function (f, p) {
    var c = f.geometry.coordinates;
    L.circleMarker([c[1], c[0]], {
      renderer: this.renderer, pane: "linli-base", interactive: false, radius: 2.5,
      color: PLACE.stroke, weight: 1, fillColor: PLACE.fill, fillOpacity: 1, className: "base-place kind-" + p.kind
    }).addTo(this.points);
  };

  function inRing(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  /* Whether a GeoJSON polygon (or multipolygon) covers the point. */
  function covers(geometry, x, y) {
    if (!geometry) return false;
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates]
      : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    return polygons.some(function (rings) {
      return inRing(rings[0], x, y) && !rings.slice(1).some(function (hole) { return inRing(hole, x, y); });
    });
  }

  /* The names of the areas the middle of the map lies in, at the top of the map. */
  function whereControl(map) {
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      var box = node("p", "map-where");
      box.setAttribute("aria-live", "polite");
      box.hidden = true;
      return box;
    };
    control.addTo(map);
    return control;
  }

  /* Name the units that fit the view: big enough on screen for a name, not so big that the
     view is inside them (their smaller units are named instead). */
  BaseLayer.prototype.showLabels = function () {
    this.showRoadNames();
    var map = this.map, size = map.getSize();
    var zoom = map.getZoom();
    /* Thousands of buildings make a grey haze from far away: then the areas speak alone. */
    var many = this.points.getLayers().length > MANY_POINTS;
    map.getContainer().classList.toggle("map-far", many && zoom < POINTS_FROM_ZOOM);
    var view = map.getBounds();
    var fitting = this.labelled.filter(function (u) {
      if (!view.intersects(u.bounds)) return false;
      var sw = map.latLngToContainerPoint(u.bounds.getSouthWest());
      var ne = map.latLngToContainerPoint(u.bounds.getNorthEast());
      var w = Math.abs(ne.x - sw.x), h = Math.abs(sw.y - ne.y);
      return w >= 70 && h >= 24 && (w < size.x * 1.6 || h < size.y * 1.6);
    });
    /* A unit whose smaller units are named leaves the naming to them. */
    var named = fitting.filter(function (u) {
      return !fitting.some(function (v) { return v.depth > u.depth && u.bounds.contains(v.bounds.getCenter()); });
    });
    this.labelled.forEach(function (u) {
      var el = u.marker.getElement();
      if (el) el.hidden = named.indexOf(u) < 0;
    });
    /* Whatever the zoom, say which areas the middle of the map is in. */
    var c = map.getCenter();
    var around = this.labelled.filter(function (u) {
      return u.bounds.contains(c) && covers(u.geometry, c.lng, c.lat);
    }).sort(function (a, b) { return a.depth - b.depth; });
    if (this.where) {
      this.where.getContainer().textContent = around.map(function (u) { return u.name; }).join(" · ");
      this.where.getContainer().hidden = !around.length;
    }
  };

  /* When the whole layer was cut short, fetch the buildings and amenities of the view itself. */
  BaseLayer.prototype.detail = function () {
    if (!this.cut || !(this.cut.buildings || this.cut.places)) return;
    if (this.map.getZoom() < DETAIL_ZOOM) return;
    var b = this.map.getBounds().pad(0.5);
    var q = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(3); }).join(",");
    if (this.shown === q) return;
    this.shown = q;
    var self = this;
    var url = this.url + (this.url.indexOf("?") < 0 ? "?" : "&") + "bbox=" + q;
    this.load(url).then(function (fc) { if (fc && self.shown === q) self.draw(fc, false); });
  };

  BaseLayer.prototype.bounds = function () {
    var b = L.latLngBounds([]);
    this.labelled.forEach(function (u) { b.extend(u.bounds); });
    this.points.eachLayer(function (l) { b.extend(l.getBounds ? l.getBounds() : l.getLatLng()); });
    return b;
  };

  BaseLayer.prototype.fit = function () {
    var b = this.bounds();
    if (b.isValid()) this.map.fitBounds(b, fitPadding(this.map));
  };

  /* Room for an open legend beside what a map fits, so the legend hides nothing. */
  function fitPadding(map) {
    var open = map.getContainer().querySelector(".map-legend[open]");
    var left = open && open.offsetWidth < map.getSize().x / 2 ? open.offsetWidth + 16 : 12;
    return { paddingTopLeft: [left, 12], paddingBottomRight: [12, 12] };
  }

  /* ------------------------------------------------------------ legend */

  function swatch(item) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "24");
    svg.setAttribute("height", "24");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var shape;
    if (item.shape === "line") {
      [[item.stroke, (item.weight || 3) + 2], [item.fill, item.weight || 3]].forEach(function (pen) {
        var line = document.createElementNS(SVG, "path");
        line.setAttribute("d", "M3 12 H21");
        line.setAttribute("stroke", pen[0]);
        line.setAttribute("stroke-width", String(pen[1]));
        line.setAttribute("stroke-linecap", "round");
        svg.appendChild(line);
      });
      return svg;
    }
    if (item.shape === "square" || item.shape === "area") {
      shape = document.createElementNS(SVG, "rect");
      var side = item.shape === "area" ? 20 : 10;
      shape.setAttribute("x", String(12 - side / 2));
      shape.setAttribute("y", String(12 - side / 2));
      shape.setAttribute("width", String(side));
      shape.setAttribute("height", String(side));
    } else {
      shape = document.createElementNS(SVG, "circle");
      shape.setAttribute("cx", "12");
      shape.setAttribute("cy", "12");
      shape.setAttribute("r", String(Math.min(item.radius || 6, 10)));
    }
    shape.setAttribute("fill", item.fill || "none");
    shape.setAttribute("fill-opacity", String(item.fillOpacity === undefined ? 0.9 : item.fillOpacity));
    shape.setAttribute("stroke", item.stroke || "none");
    shape.setAttribute("stroke-width", String(item.weight || 2));
    if (item.dash) shape.setAttribute("stroke-dasharray", item.dash);
    svg.appendChild(shape);
    return svg;
  }

  /* sections: [{ title, items: [{ label, shape, fill, stroke, radius, weight, dash }] }] */
  function legend(map, sections) {
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var root = node("details", "map-legend");
      /* Open where the map has room for it; a tap opens it on small maps. */
      var size = map.getSize();
      root.open = size.x >= 600 && size.y >= 450;
      /* Never taller than the map, so its summary stays on the map to fold it again. */
      var fit = function () { root.style.maxHeight = Math.max(96, map.getSize().y - 24) + "px"; };
      fit();
      map.on("resize", fit);
      root.appendChild(node("summary", null, t("legend", "Legend")));
      sections.forEach(function (s) {
        if (!s || !s.items.length) return;
        var group = node("section", "legend-group");
        if (s.title) group.appendChild(node("p", "legend-title", s.title));
        var list = node("ul");
        s.items.forEach(function (item) {
          var li = node("li", item.className || null);
          li.appendChild(swatch(item));
          li.appendChild(node("span", null, item.label));
          list.appendChild(li);
        });
        group.appendChild(list);
        root.appendChild(group);
      });
      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      return root;
    };
    control.addTo(map);
    return control;
  }

  function items(family, keys, prefix) {
    return keys.map(function (k) {
      var s = STYLES[family][k];
      return { label: t(prefix + k, k), fill: s.fill, stroke: s.stroke, radius: s.radius, weight: s.weight, className: "legend-" + family + "-" + k };
    });
  }

  var LEGENDS = {
    base: function () {
      return { title: t("base", "The area"), items: [
        { label: t("area", "Area boundary"), shape: "area", fill: "#1f4e99", fillOpacity: 0.08, stroke: "#1f4e99" },
        { label: t("road", "Road"), shape: "line", fill: ROAD.fill, stroke: ROAD.casing, weight: ROAD.main, className: "legend-road" },
        { label: t("building", "Building"), shape: "square", fill: "#d0d5dd", stroke: "#667085", weight: 1 },
        { label: t("amenity", "Amenity (bus stop, clinic, park…)"), radius: 3, fill: PLACE.fill, stroke: PLACE.stroke, weight: 1 }
      ] };
    },
    alarms: function () {
      return { title: t("alarms", "Alarms, by severity"), items: items("severity", ["critical", "major", "minor", "warning"], "severity.") };
    },
    cases: function () {
      var list = items("priority", [1, 2, 3, 4], "priority.");
      list.forEach(function (i) { i.fillOpacity = 0.2; });
      list.push({ label: t("overdue", "Overdue"), fill: "#ffffff", fillOpacity: 0, stroke: "#101828", radius: 9, weight: 3, dash: "4 3", className: "legend-overdue" });
      return { title: t("cases", "Cases, by priority"), items: list };
    },
    devices: function () {
      return { title: t("devices", "Devices, by status"), items: items("device", ["offline", "unknown", "online"], "device.") };
    },
    progress: function () {
      return { title: t("nearby", "Reports nearby"), items: items("progress", ["new", "working", "fixed"], "progress.") };
    },
    cluster: function () {
      return { title: null, items: [
        { label: t("cluster", "How many are close together (select to zoom in)"), radius: 10, fill: "#ffffff", stroke: "#344054", weight: 3 }
      ] };
    }
  };

  /* ------------------------------------------------------------ markers, clustered */

  /* A set of markers, drawn one by one or, where `clusterAt` or more fall in one cell of a
     `cellPx` grid on screen, as one numbered circle coloured as the most serious of them. */
  function MarkerSet(map, options) {
    this.map = map;
    this.options = options || {};
    this.items = new Map(); /* key → { item, v }: v grows with every change */
    this.drawn = new Map(); /* what is on the map: id → layer */
    this.seq = 0;
    this.layer = L.layerGroup().addTo(map);
    this.pending = false;
    var self = this;
    /* Only a zoom regroups: panning (a popup making room for itself) leaves markers alone. */
    map.on("zoomend", function () { self.render(); });
  }

  /* item: { lat, lon, style, label (the marker's text), popup (function returning a node),
     href (a site path to open on click) } */
  MarkerSet.prototype.set = function (key, item) {
    if (!item || item.lat === null || item.lat === undefined || item.lon === null || item.lon === undefined) {
      this.items.delete(key);
    } else {
      this.items.set(key, { item: item, v: ++this.seq });
    }
    this.schedule();
  };

  MarkerSet.prototype.remove = function (key) { this.items.delete(key); this.schedule(); };

  MarkerSet.prototype.clear = function () { this.items.clear(); this.schedule(); };

  MarkerSet.prototype.schedule = function () {
    if (this.pending) return;
    this.pending = true;
    var self = this;
    window.requestAnimationFrame(function () { self.pending = false; self.render(); });
  };

  MarkerSet.prototype.bounds = function () {
    var b = L.latLngBounds([]);
    this.items.forEach(function (e) { b.extend([e.item.lat, e.item.lon]); });
    return b;
  };

  /* Group the markers by cells of the screen at this zoom; replace only what changed. */
  MarkerSet.prototype.render = function () {
    var map = this.map, opts = this.options;
    var clusterAt = opts.clusterAt || 5, cell = opts.cellPx || 48;
    var zoom = map.getZoom();
    var cells = new Map();
    this.items.forEach(function (e, key) {
      var p = map.project([e.item.lat, e.item.lon], zoom);
      var k = Math.floor(p.x / cell) + ":" + Math.floor(p.y / cell);
      if (!cells.has(k)) cells.set(k, []);
      cells.get(k).push({ key: key, item: e.item, v: e.v });
    });
    var wanted = new Map();
    var counts = { markers: 0, clusters: 0 };
    cells.forEach(function (members) {
      if (members.length >= clusterAt && zoom < map.getMaxZoom()) {
        var id = "c:" + members.map(function (m) { return m.key + "@" + m.v; }).sort().join("|");
        wanted.set(id, { members: members });
        counts.clusters += 1;
      } else {
        members.forEach(function (m) { wanted.set("s:" + m.key + "@" + m.v, { item: m.item }); });
        counts.markers += members.length;
      }
    });
    var self = this;
    this.drawn.forEach(function (layer, id) {
      if (!wanted.has(id)) { self.layer.removeLayer(layer); self.drawn.delete(id); }
    });
    wanted.forEach(function (spec, id) {
      if (self.drawn.has(id)) return;
      self.drawn.set(id, spec.members ? self.cluster(spec.members) : self.single(spec.item));
    });
    var el = map.getContainer();
    el.dataset.markers = String(counts.markers);
    el.dataset.clusters = String(counts.clusters);
  };

  MarkerSet.prototype.single = function (item) {
    var s = item.style;
    var m = L.circleMarker([item.lat, item.lon], {
      radius: s.radius, color: s.stroke, fillColor: s.fill,
      fillOpacity: s.fillOpacity === undefined ? 0.9 : s.fillOpacity,
      weight: s.weight || 2, dashArray: s.dash || null, className: s.className || ""
    });
    if (item.label) m.bindTooltip(node("span", null, item.label));
    if (item.popup) m.bindPopup(function () { return item.popup(); });
    if (item.href) m.on("click", function () { window.location.assign(item.href); });
    m.addTo(this.layer);
    var el = m.getElement();
    if (el && item.label) {
      el.setAttribute("role", "img");
      el.setAttribute("aria-label", item.label);
    }
    return m;
  };

  MarkerSet.prototype.cluster = function (members) {
    var map = this.map;
    var worst = members[0].item, lat = 0, lon = 0, bounds = L.latLngBounds([]);
    members.forEach(function (m) {
      var i = m.item;
      if ((i.style.rank || 0) > (worst.style.rank || 0)) worst = i;
      lat += i.lat; lon += i.lon;
      bounds.extend([i.lat, i.lon]);
    });
    var n = members.length;
    var size = Math.round(30 + 8 * Math.log10(n));
    var count = node("span", "cluster-count", n);
    var title = t("cluster_title", "{n} here; the most serious: {what}")
      .replace("{n}", String(n)).replace("{what}", worst.style.legend || "");
    var marker = L.marker([lat / n, lon / n], {
      icon: L.divIcon({ className: "map-cluster " + (worst.style.className || ""), html: count, iconSize: [size, size] }),
      title: title, alt: title, keyboard: true, riseOnHover: true
    });
    marker.on("click", function () {
      var target = Math.min(map.getBoundsZoom(bounds, false, L.point(40, 40)), map.getMaxZoom());
      if (target <= map.getZoom()) target = Math.min(map.getZoom() + 2, map.getMaxZoom());
      map.setView(bounds.getCenter(), target);
    });
    marker.addTo(this.layer);
    var el = marker.getElement();
    if (el) {
      el.style.backgroundColor = worst.style.fill;
      el.style.borderColor = worst.style.stroke;
      el.setAttribute("aria-label", title);
    }
    return marker;
  };

  /* Style helpers: the style of a marker, with the words the legend and clusters use. */
  function style(family, key, extra) {
    var base = STYLES[family][key];
    var s = Object.assign({}, base, extra || {});
    s.legend = t(family + "." + key, String(key));
    return s;
  }

  var styles = {
    alarm: function (severity) {
      var sev = STYLES.severity[severity] ? severity : "warning";
      return style("severity", sev, { className: "marker-alarm severity-" + sev });
    },
    "case": function (priority, overdue) {
      var p = STYLES.priority[priority] ? priority : 3;
      var s = style("priority", p, { fillOpacity: 0.2, className: "marker-case priority-" + p + (overdue ? " overdue" : "") });
      if (overdue) { s.dash = "4 3"; s.stroke = "#101828"; s.rank += 0.5; }
      return s;
    },
    device: function (status) {
      var st = STYLES.device[status] ? status : "unknown";
      return style("device", st, { className: "device-marker status-" + st });
    },
    progress: function (status) {
      var key = PROGRESS[status] || "new";
      return style("progress", key, { className: "marker-public-case progress-" + key });
    }
  };
  window.LinliMap = {
    t: t,
    node: node,
    create: create,
    base: function (map, url, options) { return new BaseLayer(map, url, options); },
    legend: legend,
    fitPadding: fitPadding,
    legends: LEGENDS,
    markers: function (map, options) { return new MarkerSet(map, options); },
    styles: styles
  };
})();
