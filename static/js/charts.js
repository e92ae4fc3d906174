/* Draws every <canvas data-chart="ID"> from the JSON in <script id="ID" type="application/json">
   written by templates/includes/chart.html (see core/charts.py). No inline script is needed. */
(function () {
  "use strict";
  var PALETTE = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#ffc107", "#0dcaf0", "#d63384"];

  function colour(index, alpha) {
    var hex = PALETTE[index % PALETTE.length];
    if (alpha === undefined) { return hex; }
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function dataset(spec, d, i, chartType) {
    var round = chartType === "doughnut" || chartType === "pie";
    var out = {
      label: d.label,
      data: d.data,
      borderColor: round ? "#fff" : colour(d.colour),
      backgroundColor: round ? d.data.map(function (_, j) { return colour(j); }) : colour(d.colour, chartType === "line" || d.type === "line" ? 0.15 : 0.75),
      borderWidth: 2,
      spanGaps: true
    };
    if (d.type) { out.type = d.type; }
    if (d.style === "dashed") { out.borderDash = [6, 4]; out.fill = false; }
    if (d.style === "band") {
      out.fill = "-1";
      out.borderWidth = 0;
      out.pointRadius = 0;
      out.backgroundColor = colour(d.colour, 0.18);
    }
    return out;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var round = spec.type === "doughnut" || spec.type === "pie";
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } }
    };
    if (!round && spec.type !== "radar") {
      options.scales = {
        x: { stacked: !!spec.stacked },
        y: { stacked: !!spec.stacked, beginAtZero: true, title: { display: !!spec.unit, text: spec.unit } }
      };
    }
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(function (d, i) { return dataset(spec, d, i, spec.type); }) },
      options: options
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (!canvas.dataset.drawn) { canvas.dataset.drawn = "1"; draw(canvas); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
