/* Linli figures page: the charts over time, drawn with uPlot from /api/figures/series (and the
   satisfaction index's weeks from /api/figures/satisfaction). The
   numbers are also in the tables beside each chart (server-rendered); this only draws. */
(function () {
  "use strict";

  var COLOURS = ["#1f4e99", "#d92d20", "#12b76a", "#f79009", "#7a5af8", "#0ba5ec", "#98a2b3"];

  function strings() {
    var el = document.getElementById("linli-i18n-page");
    try { return (el && JSON.parse(el.textContent)) || {}; } catch (e) { return {}; }
  }

  /* A local day of the site ("2026-03-02") as the x value: its UTC midnight, shown in UTC, so
     the axis reads the site's own dates whatever the browser's zone. */
  function dayValue(day) {
    var p = day.split("-");
    return Date.UTC(+p[0], +p[1] - 1, +p[2]) / 1000;
  }

  function width(holder) {
    return Math.max(Math.min(holder.clientWidth || 0, 640), 280);
  }

  function dayText(seconds) {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      { timeZone: "UTC", month: "short", day: "numeric" }).format(new Date(seconds * 1000));
  }

  function plot(fig, opts, data) {
    var holder = fig.querySelector(".plot");
    opts.width = width(holder);
    opts.height = 220;
    opts.tzDate = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "UTC"); };
    var chart = new uPlot(opts, data, holder);
    fig.dataset.drawn = "1";
    window.addEventListener("resize", function () {
      chart.setSize({ width: width(holder), height: 220 });
    });
    return chart;
  }

  function dayLegend() {
    return { label: strings().day || "Day", value: function (u, v) { return v == null ? "" : dayText(v); } };
  }

  function opened(fig, body, t) {
    var xs = body.days.map(dayValue);
    var data = [xs], series = [dayLegend()];
    body.by_source.forEach(function (s, i) {
      data.push(s.counts);
      series.push({ label: (t.sources || {})[s.source] || s.source, stroke: COLOURS[i % COLOURS.length], width: 2 });
    });
    plot(fig, { scales: { x: { time: true } }, series: series,
      axes: [{ values: function (u, splits) { return splits.map(dayText); } }, { label: t.cases || "Cases" }] }, data);
  }

  function onTime(fig, body, t) {
    var xs = body.days.map(dayValue);
    var data = [xs], series = [dayLegend()];
    body.on_time_by_unit.forEach(function (r, i) {
      data.push(r.rates.map(function (v) { return v == null ? null : Math.round(v * 1000) / 10; }));
      series.push({ label: (t.units || {})[r.unit.id] || r.unit.name, stroke: COLOURS[i % COLOURS.length],
        width: 2, spanGaps: false, points: { show: true, size: 5 },
        value: function (u, v) { return v == null ? "—" : v + " %"; } });
    });
    plot(fig, { scales: { x: { time: true }, y: { range: [0, 100] } }, series: series,
      axes: [{ values: function (u, splits) { return splits.map(dayText); } },
        { label: (t.on_time || "On time") + " (%)" }] }, data);
  }

  function resolution(fig, body, t) {
    var labels = body.resolution.map(function (b) { return (t.bins || {})[b.bin] || b.bin; });
    var xs = body.resolution.map(function (b, i) { return i; });
    var ys = body.resolution.map(function (b) { return b.cases; });
    plot(fig, {
      scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
      series: [
        { label: t.time_taken || "Time taken", value: function (u, v) { return v == null ? "" : labels[v] || ""; } },
        { label: t.cases || "Cases", fill: "rgba(31, 78, 153, 0.6)", stroke: "#1f4e99",
          paths: uPlot.paths.bars({ size: [0.7, 60] }), points: { show: false } }
      ],
      axes: [{ splits: function () { return xs; }, values: function (u, splits) { return splits.map(function (i) { return labels[i] || ""; }); }, rotate: -30, size: 70 },
        { label: t.cases || "Cases" }]
    }, [xs, ys]);
  }

  /* The satisfaction index per week (0–100); a week with too few answers is a gap. */
  function satisfaction(fig, body, t) {
    var xs = body.weeks.map(function (w) { return dayValue(w.start); });
    var ys = body.weeks.map(function (w) { return w.index; });
    plot(fig, { scales: { x: { time: true }, y: { range: [0, 100] } },
      series: [dayLegend(), { label: t.index || "Satisfaction index", stroke: COLOURS[0], width: 2,
        spanGaps: false, points: { show: true, size: 6 },
        value: function (u, v) { return v == null ? "—" : String(v); } }],
      axes: [{ values: function (u, splits) { return splits.map(dayText); } }, { label: "0–100" }] }, [xs, ys]);
  }

  function drawSatisfaction() {
    var section = document.getElementById("satisfaction");
    if (!section || !window.uPlot) return;
    var fig = section.querySelector("figure[data-chart=satisfaction]");
    fetch(section.dataset.seriesUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) { if (body && fig) satisfaction(fig, body, strings()); })
      .catch(function () { /* the table of weeks still holds the numbers */ });
  }

  window.addEventListener("load", drawSatisfaction);

  window.addEventListener("load", function () {
    var section = document.getElementById("over-time");
    if (!section || !window.uPlot) return;
    var t = strings();
    fetch(section.dataset.seriesUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (!body) return;
        var draw = { opened: opened, on_time: onTime, resolution: resolution };
        section.querySelectorAll("figure[data-chart]").forEach(function (fig) {
          var fn = draw[fig.dataset.chart];
          if (fn) fn(fig, body, t);
        });
      })
      .catch(function () { /* the tables beside the charts still hold the numbers */ });
  });
})();
