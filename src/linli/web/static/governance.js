/* Linli governance pages: intake map and pickers, and forms that post JSON to the cases API. */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function t(key, fallback) {
    return window.Linli && window.Linli.t ? window.Linli.t(key, fallback) : (fallback || key);
  }

  /* ------------------------------------------------------------ JSON forms */

  function formError(form, message, pending) {
    var box = form.querySelector(".form-error");
    if (!box) {
      box = document.createElement("p");
      box.className = "form-error";
      box.setAttribute("role", "alert");
      form.prepend(box);
    }
    box.textContent = message;
    box.hidden = !message;
    box.classList.toggle("pending", Boolean(pending));
  }

  function refreshRegion(form) {
    var region = form.closest("[data-refresh]");
    if (!region || !window.htmx) { window.location.reload(); return; }
    var target = "#" + region.id;
    window.htmx.ajax("GET", region.getAttribute("data-refresh"), { target: target, select: target, swap: "outerHTML" });
  }

  /* A form with data-api posts its non-empty fields as JSON to that URL, then re-renders. */
  function submitApiForm(form) {
    var body = {};
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string" && value.trim() !== "") body[key] = value.trim();
    });
    if (body.assignee_id === "auto") { delete body.assignee_id; body.assign = "auto"; }
    var required = form.querySelector("[data-required-message]");
    if (required && !required.value.trim()) {
      formError(form, required.getAttribute("data-required-message"));
      return;
    }
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    form.dataset.busy = "1";
    formError(form, t("saving", "Saving…"), true);
    fetch(form.getAttribute("data-api"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (res) {
      if (res.ok) { refreshRegion(form); return null; }
      return res.json().catch(function () { return null; }).then(function (problem) {
        throw new Error((problem && (problem.detail || problem.title)) || res.statusText);
      });
    }).catch(function (err) {
      delete form.dataset.busy;
      buttons.forEach(function (b) { b.disabled = false; });
      formError(form, err.message || t("failed", "The action failed."));
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-api")) return;
    event.preventDefault();
    submitApiForm(form);
  });

  /* ------------------------------------------------------------ intake form */

  function refreshSuggestions() {
    var text = document.getElementById("intake-text");
    if (text) text.dispatchEvent(new Event("linli:refresh"));
  }

  function IntakeMap(root) {
    var maps = window.LinliMap;
    var map = maps.create(root);
    this.map = map;
    this.lon = document.getElementById("intake-lon");
    this.lat = document.getElementById("intake-lat");
    var self = this;
    maps.base(map, root.dataset.baseUrl, {
      onReady: function (base) { if (!self.marker) base.fit(); }
    });
    maps.legend(map, [
      { title: null, items: [{ label: maps.t("pin"), radius: 9, fill: "#ffffff", fillOpacity: 0, stroke: "#b42318", weight: 3 }] },
      maps.legends.base()
    ]);
    map.on("click", function (e) { self.place(e.latlng.lng, e.latlng.lat, ""); });
    var lon = parseFloat(this.lon.value), lat = parseFloat(this.lat.value);
    if (!isNaN(lon) && !isNaN(lat)) this.place(lon, lat, "", true);
  }

  IntakeMap.prototype.place = function (lon, lat, label, quiet) {
    this.lon.value = lon.toFixed(6);
    this.lat.value = lat.toFixed(6);
    if (this.marker) this.marker.setLatLng([lat, lon]);
    else this.marker = L.circleMarker([lat, lon], { radius: 9, color: "#b42318", weight: 3, className: "pin" }).addTo(this.map);
    this.map.setView([lat, lon], Math.max(this.map.getZoom(), 16));
    var where = document.getElementById("place-label");
    if (where) where.textContent = label || "";
    if (!quiet) refreshSuggestions();
  };

  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-pick-category]");
    if (pick) {
      var select = document.getElementById("intake-category");
      if (select) {
        select.value = pick.getAttribute("data-pick-category");
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      refreshSuggestions();
      return;
    }
    var point = event.target.closest("[data-pick-point]");
    if (point) {
      var lon = parseFloat(point.dataset.lon), lat = parseFloat(point.dataset.lat);
      if (window.Linli && window.Linli.intakeMap) window.Linli.intakeMap.place(lon, lat, point.dataset.label);
      else {
        document.getElementById("intake-lon").value = lon;
        document.getElementById("intake-lat").value = lat;
        refreshSuggestions();
      }
      var results = document.getElementById("building-results");
      if (results) results.replaceChildren();
    }
  });

  document.addEventListener("change", function (event) {
    var id = event.target && event.target.id;
    if (id === "intake-category" || id === "intake-lon" || id === "intake-lat") refreshSuggestions();
  });

  /* One click files one report: the submit button stays disabled while the form is sent. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "intake-form") return;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = true; });
  });

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("intake-map");
    if (root && window.L && window.LinliMap) {
      window.Linli = window.Linli || {};
      window.Linli.intakeMap = new IntakeMap(root);
    }
  });
})();
