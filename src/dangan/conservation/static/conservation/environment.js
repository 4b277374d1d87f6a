/* The climate chart of a stack (conservation, part environment): every [data-env-chart] element gets an ECharts
   line chart of its data-url's JSON (min/max/mean of temperature and humidity, the limits as dashed lines).
   No inline script (CSP): the page includes this file and echarts.min.js, both served by dangan. */
(function () {
  "use strict";
  function series(name, values, axis, extra) {
    return Object.assign({ name: name, type: "line", showSymbol: false, yAxisIndex: axis, data: values }, extra || {});
  }
  function draw(el) {
    el.style.height = "420px";
    el.style.width = "100%";
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (!d.labels.length) { el.textContent = el.dataset.labelEmpty; el.style.height = "auto"; return; }
        var chart = window.echarts.init(el);
        var T = el.dataset.labelTemperature, H = el.dataset.labelHumidity, L = d.limits;
        chart.setOption({
          tooltip: { trigger: "axis" },
          legend: { type: "scroll" },
          grid: { left: 50, right: 50, bottom: 70 },
          dataZoom: [{ type: "inside" }, { type: "slider" }],
          xAxis: { type: "category", data: d.labels },
          yAxis: [{ type: "value", name: T, scale: true }, { type: "value", name: H, scale: true }],
          series: [
            series(T + " max", d.temperature.max, 0),
            series(T + " mean", d.temperature.mean, 0, {
              markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#c23531" },
                data: [{ yAxis: L.temperature_min }, { yAxis: L.temperature_max }] } }),
            series(T + " min", d.temperature.min, 0),
            series(H + " max", d.humidity.max, 1),
            series(H + " mean", d.humidity.mean, 1, {
              markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#2f4554" },
                data: [{ yAxis: L.humidity_min }, { yAxis: L.humidity_max }] } }),
            series(H + " min", d.humidity.min, 1)
          ]
        });
        window.addEventListener("resize", function () { chart.resize(); });
      });
  }
  function start() { document.querySelectorAll("[data-env-chart]").forEach(draw); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
