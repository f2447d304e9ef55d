/* Linli resident report: location from the phone or a map pin, one case per report however
   often the button is tapped (Idempotency-Key), then the status page. */
(function () {
  "use strict";

  var strings = {};
  var box = document.getElementById("report-i18n");
  if (box) {
    try { strings = JSON.parse(box.textContent); } catch (e) { strings = {}; }
  }
  function t(key) { return strings[key] || key; }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return "report-" + window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "report-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function ReportForm(form) {
    this.form = form;
    this.key = newKey();
    this.error = form.querySelector(".form-error");
    this.lon = document.getElementById("report-lon");
    this.lat = document.getElementById("report-lat");
    this.status = document.getElementById("location-status");
    this.button = form.querySelector('button[type="submit"]');
    var self = this;
    var mapRoot = document.getElementById("report-map");
    if (mapRoot && window.L && window.LinliMap) this.initMap(mapRoot);
    var locate = document.getElementById("locate-me");
    if (locate) locate.addEventListener("click", function () { self.locate(); });
    form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(); });
    /* Whatever the resident changes after a refused attempt is a new report: a new key. */
    form.addEventListener("input", function () { if (!self.sending) self.dirty = true; });
  }

  var PIN = { radius: 10, fill: "#ffffff", fillOpacity: 0, stroke: "#b42318", weight: 3 };

  /* The open public reports in view (the public projection: snapped points, no internal cases),
     fetched again as the view moves. */
  function nearbyCases(map, url, skipRef) {
    var maps = window.LinliMap;
    var set = maps.markers(map, { clusterAt: 5 });
    var asked = null;
    function load() {
      var b = map.getBounds().pad(0.2);
      var west = Math.max(b.getWest(), -180), east = Math.min(b.getEast(), 180);
      var south = Math.max(b.getSouth(), -90), north = Math.min(b.getNorth(), 90);
      if (east - west > 0.5 || north - south > 0.5) return; /* too far out to show reports */
      var q = [west, south, east, north].map(function (v) { return v.toFixed(4); }).join(",");
      if (q === asked) return;
      asked = q;
      fetch(url + "&bbox=" + q, { headers: { "Accept": "application/geo+json, application/json" } })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (fc) {
          if (!fc || asked !== q) return;
          set.clear();
          (fc.features || []).forEach(function (f) {
            var p = f.properties || {}, c = f.geometry.coordinates;
            if (p.ref === skipRef) return;
            var style = maps.styles.progress(p.status);
            var text = [p.title || p.category || "", style.legend].filter(Boolean).join(" · ");
            set.set(p.ref, {
              lat: c[1], lon: c[0], style: style, label: text,
              popup: function () {
                var box = document.createElement("div");
                box.appendChild(maps.node("strong", null, p.title || p.category || ""));
                box.appendChild(maps.node("div", null, style.legend));
                box.appendChild(maps.node("div", "ref", p.ref));
                return box;
              }
            });
          });
          set.schedule();
        })
        .catch(function () { /* no reports layer this time */ });
    }
    map.on("moveend", load);
    return { load: load };
  }

  function residentLegend(map, own) {
    var maps = window.LinliMap;
    maps.legend(map, [
      { title: null, items: [Object.assign({ label: maps.t(own) }, PIN)] },
      maps.legends.progress(), maps.legends.cluster(), maps.legends.base()
    ]);
  }

  ReportForm.prototype.initMap = function (root) {
    var maps = window.LinliMap;
    var map = maps.create(root);
    var self = this;
    maps.base(map, root.dataset.baseUrl, { fit: true });
    nearbyCases(map, root.dataset.casesUrl, null);
    residentLegend(map, "pin");
    map.on("click", function (e) { self.place(e.latlng.lng, e.latlng.lat, t("pinned")); });
    this.map = map;
  };

  /* The status page: the report's (public) point in its neighbourhood, with the reports nearby. */
  function statusMap(root) {
    var maps = window.LinliMap;
    var lon = parseFloat(root.dataset.lon), lat = parseFloat(root.dataset.lat);
    var map = maps.create(root, { center: [lat, lon], zoom: 16 });
    maps.base(map, root.dataset.baseUrl + "&bbox=" + [lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02].map(function (v) { return v.toFixed(4); }).join(","));
    var own = L.circleMarker([lat, lon], { radius: PIN.radius, color: PIN.stroke, weight: PIN.weight, fillOpacity: 0, className: "pin own-report" });
    own.bindTooltip(maps.node("span", null, maps.t("your_report")));
    own.addTo(map);
    nearbyCases(map, root.dataset.casesUrl, root.dataset.ref).load();
    residentLegend(map, "your_report");
  }

  ReportForm.prototype.place = function (lon, lat, message) {
    this.lon.value = lon.toFixed(6);
    this.lat.value = lat.toFixed(6);
    this.dirty = true;
    if (this.map) {
      if (this.marker) this.marker.setLatLng([lat, lon]);
      else this.marker = L.circleMarker([lat, lon], { radius: PIN.radius, color: PIN.stroke, weight: PIN.weight, className: "pin" }).addTo(this.map);
      this.map.setView([lat, lon], Math.max(this.map.getZoom(), 17));
    }
    if (message) this.status.textContent = message;
  };

  ReportForm.prototype.locate = function () {
    var self = this;
    if (!navigator.geolocation) { this.status.textContent = t("no_location"); return; }
    this.status.textContent = t("locating");
    navigator.geolocation.getCurrentPosition(function (pos) {
      self.place(pos.coords.longitude, pos.coords.latitude, t("located"));
    }, function () {
      self.status.textContent = t("no_location");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  };

  ReportForm.prototype.showError = function (message) {
    this.error.textContent = message;
    this.error.hidden = !message;
    if (message) this.error.scrollIntoView({ block: "center" });
  };

  /* Before a new case: the open cases nearby that look like the same problem, to join. */
  ReportForm.prototype.checkSimilar = function () {
    var form = this.form;
    var url = form.dataset.similarUrl;
    if (!url || this.similarChecked) return Promise.resolve([]);
    var data = new FormData();
    ["text", "lon", "lat", "category_code"].forEach(function (k) {
      var v = form.querySelector('[name="' + k + '"]').value.trim();
      if (v) data.append(k, v);
    });
    if (form.dataset.lang) data.append("lang", form.dataset.lang); /* names in the page's language */
    return fetch(url, { method: "POST", headers: { "Accept": "application/json" }, body: data })
      .then(function (res) { return res.ok ? res.json() : []; })
      .catch(function () { return []; });
  };

  ReportForm.prototype.showSimilar = function (cases) {
    var self = this;
    var list = document.getElementById("similar-list");
    list.replaceChildren();
    cases.forEach(function (c) {
      var li = document.createElement("li");
      var what = document.createElement("div");
      var ref = document.createElement("span");
      ref.className = "ref";
      ref.textContent = c.ref;
      what.appendChild(ref);
      what.appendChild(document.createTextNode(" " + (c.category_name || c.category_code) + " · " +
        t("away").replace("{m}", String(Math.round(c.distance_m)))));
      var join = document.createElement("button");
      join.type = "button";
      join.className = "primary me-too";
      join.dataset.ref = c.ref;
      join.textContent = t("me_too");
      join.addEventListener("click", function () { self.join(c.ref); });
      li.appendChild(what);
      li.appendChild(join);
      list.appendChild(li);
    });
    document.getElementById("similar").hidden = false;
    document.getElementById("send-new").onclick = function () { self.send(); };
    document.getElementById("similar").scrollIntoView({ block: "center" });
  };

  ReportForm.prototype.submit = function () {
    if (this.sending) return; /* a second tap while the first is on its way does nothing */
    var form = this.form;
    var text = form.querySelector('[name="text"]').value.trim();
    var category = form.querySelector('[name="category_code"]');
    if (!text) { this.showError(t("text_required")); return; }
    if (category.required && !category.value) { this.showError(t("category_required")); return; }
    if (!this.lon.value || !this.lat.value) { this.showError(t("location_required")); return; }
    var self = this;
    this.sending = true;
    this.button.disabled = true;
    this.checkSimilar().then(function (cases) {
      self.similarChecked = true;
      if (cases && cases.length) {
        self.sending = false;
        self.button.disabled = false;
        self.showSimilar(cases);
        return;
      }
      self.sending = false;
      self.send();
    });
  };

  /* Join an open case ("me too"): no new case, the token follows that one. */
  ReportForm.prototype.join = function (ref) {
    var form = this.form;
    var data = new FormData();
    ["text", "lon", "lat"].forEach(function (k) {
      data.append(k, form.querySelector('[name="' + k + '"]').value.trim());
    });
    var photo = form.querySelector('[name="photo"]');
    if (photo && photo.files && photo.files.length) data.append("photo", photo.files[0]);
    this.post(form.dataset.endpoint + "/" + encodeURIComponent(ref) + "/me-too", data, "metoo-" + this.key);
  };

  ReportForm.prototype.send = function () {
    if (this.sending) return;
    var form = this.form;
    if (this.dirty && this.refused) { this.key = newKey(); this.refused = false; }
    this.dirty = false;
    var data = new FormData(form);
    Array.from(data.keys()).forEach(function (k) {
      var v = data.get(k);
      if (typeof v === "string" && !v.trim()) data.delete(k);
      if (v instanceof File && !v.size) data.delete(k);
    });
    this.post(form.dataset.endpoint, data, this.key);
  };

  ReportForm.prototype.post = function (url, data, key) {
    if (this.sending) return;
    var form = this.form;
    var self = this;
    this.sending = true;
    this.button.disabled = true;
    this.showError("");
    this.button.dataset.label = this.button.dataset.label || this.button.textContent;
    this.button.textContent = t("sending");
    fetch(url, {
      method: "POST",
      headers: { "Accept": "application/json", "Idempotency-Key": key },
      body: data
    }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (body) {
        if (res.ok && body && body.token) {
          window.location.assign(form.dataset.statusUrl + encodeURIComponent(body.token) + "?lang=" + encodeURIComponent(form.dataset.lang));
          return;
        }
        var code = body && body.code;
        self.refused = res.status >= 400 && res.status < 500 && code !== "idempotency_key_in_use";
        var message = code === "outside_boundaries" ? t("outside")
          : res.status === 429 ? t("too_many")
          : code === "category_required" ? t("category_required")
          : (body && body.detail) || t("failed");
        throw new Error(message);
      });
    }).catch(function (err) {
      self.sending = false;
      self.button.disabled = false;
      self.button.textContent = self.button.dataset.label;
      self.showError(err && err.message ? err.message : t("failed"));
    });
  };

  /* The status page's forms (confirm, refuse, rate) post JSON with the token in the URL. */
  function submitPublicForm(form) {
    var body = {};
    new FormData(form).forEach(function (value, key) {
      if (typeof value !== "string" || !value.trim()) return;
      body[key] = key === "score" ? parseInt(value, 10) : value.trim();
    });
    var required = form.querySelector("[data-required-message]");
    if (required && !required.value.trim()) { showFormError(form, required.getAttribute("data-required-message")); return; }
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.getAttribute("data-public-api"), {
      method: "POST",
      headers: { "Accept": "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (res) {
      if (res.ok) { window.location.reload(); return null; }
      return res.json().catch(function () { return null; }).then(function (problem) {
        throw new Error((problem && problem.detail) || t("failed"));
      });
    }).catch(function (err) {
      buttons.forEach(function (b) { b.disabled = false; });
      showFormError(form, err.message || t("failed"));
    });
  }

  /* The category picker: a search box (shown only with JS) narrows the grouped select to the
     kinds whose names hold every typed word. The select is rebuilt from copies of the original
     options, so browsers that ignore hidden options narrow it too. */
  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function CategorySearch(input, select, count) {
    this.input = input;
    this.select = select;
    this.count = count;
    this.original = Array.prototype.map.call(select.children, function (node) {
      return node.cloneNode(true);
    });
    input.closest("label").hidden = false;
    var self = this;
    input.addEventListener("input", function () { self.filter(input.value); });
  }

  CategorySearch.prototype.filter = function (query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    var chosen = this.select.value;
    var matches = function (option) {
      if (!option.value) return true;
      var terms = fold(option.getAttribute("data-terms") || option.textContent);
      return words.every(function (w) { return terms.indexOf(w) !== -1; });
    };
    var shown = 0;
    var nodes = [];
    this.original.forEach(function (node) {
      if (node.tagName === "OPTGROUP") {
        var kept = Array.prototype.filter.call(node.children, matches);
        if (!kept.length) return;
        var group = node.cloneNode(false);
        kept.forEach(function (o) { group.appendChild(o.cloneNode(true)); });
        shown += kept.length;
        nodes.push(group);
      } else if (matches(node)) {
        if (node.value) shown += 1;
        nodes.push(node.cloneNode(true));
      }
    });
    this.select.replaceChildren.apply(this.select, nodes);
    this.select.value = chosen;
    if (this.select.value !== chosen) this.select.value = "";
    if (!words.length) {
      this.count.hidden = true;
      return;
    }
    this.count.hidden = false;
    this.count.textContent = shown ? t("matches").replace("{n}", String(shown)) : t("no_match");
    if (shown === 1 && !this.select.value) {
      var only = this.select.querySelector("option[value]:not([value=''])");
      if (only) this.select.value = only.value;
    }
  };

  function showFormError(form, message) {
    var box = form.querySelector(".form-error");
    if (!box) {
      box = document.createElement("p");
      box.className = "form-error";
      box.setAttribute("role", "alert");
      form.prepend(box);
    }
    box.textContent = message;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-public-api")) return;
    event.preventDefault();
    submitPublicForm(form);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("report-form");
    if (form) window.LinliReport = new ReportForm(form);
    var search = document.getElementById("category-search");
    var select = document.getElementById("category-select");
    var count = document.getElementById("category-count");
    if (search && select && count) window.LinliCategorySearch = new CategorySearch(search, select, count);
    var where = document.getElementById("status-map");
    if (where && window.L && window.LinliMap) statusMap(where);
  });
})();
