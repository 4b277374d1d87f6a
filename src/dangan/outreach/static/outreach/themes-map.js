/* The thematic database's map (outreach, part themes): Guizhou's counties from the boundary file the package ships
   (no online tiles), shaded by the number of the theme's visible members; a click lists a county's members (the page
   itself, ?county=<adcode>). The counts come from the page (<script type="application/json" id="theme-map-data">);
   without JavaScript the table below the map is the page. */
(function () {
  "use strict";

  function start() {
    var box = document.querySelector("[data-theme-map]");
    var dataNode = document.getElementById("theme-map-data");
    if (!box || !dataNode || typeof window.echarts === "undefined") return;
    var data = JSON.parse(dataNode.textContent);
    fetch(box.getAttribute("data-geo-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (geo) {
        window.echarts.registerMap("guizhou-counties", geo);
        box.classList.add("is-drawn");
        var chart = window.echarts.init(box, null, { renderer: "canvas" });
        var byName = {};
        data.counts.forEach(function (row) { byName[row.name] = row; });
        chart.setOption({
          tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + (p.value || 0); } },
          visualMap: {
            min: 0, max: Math.max(1, data.max), left: "left", bottom: 10, calculable: false,
            text: [String(Math.max(1, data.max)), "0"], inRange: { color: ["#f3ede4", "#b3261e"] }
          },
          series: [{
            type: "map", map: "guizhou-counties", nameProperty: "name", roam: true,
            label: { show: false }, emphasis: { label: { show: true } },
            data: data.counts.map(function (row) { return { name: row.name, value: row.value, adcode: row.adcode }; })
          }]
        });
        chart.on("click", function (params) {
          var row = byName[params.name];
          if (!row) return;
          var base = box.getAttribute("data-list-url");
          window.location.href = base + (base.indexOf("?") >= 0 ? "&" : "?") + "county=" + row.adcode + "#county-list";
        });
        window.addEventListener("resize", function () { chart.resize(); });
      })
      .catch(function () { /* the table below stays the page */ });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
