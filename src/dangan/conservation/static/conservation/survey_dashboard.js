/* The survey dashboard's charts (ECharts, vendored). No inline script (CSP): the data comes from the
   <script type="application/json" id="survey-chart-data"> block that Django's json_script writes. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("survey-chart-data");
    if (!source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var colours = ["#7f1d1d", "#b91c1c", "#c2410c", "#a16207", "#15803d"];
    document.querySelectorAll("[data-survey-chart]").forEach(function (node) {
      var chart = window.echarts.init(node);
      if (node.getAttribute("data-survey-chart") === "grades") {
        chart.setOption({
          color: colours,
          tooltip: { trigger: "item" },
          series: [{ type: "pie", radius: ["35%", "70%"], data: data.grades }],
        });
      } else {
        chart.setOption({
          color: colours,
          tooltip: { trigger: "axis" },
          legend: { data: data.labels },
          xAxis: { type: "category", data: data.fonds },
          yAxis: { type: "value" },
          series: data.labels.map(function (label, i) {
            return { name: label, type: "bar", stack: "grade", data: data.fonds_series[i] };
          }),
        });
      }
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
