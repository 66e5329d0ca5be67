// Draws the dashboard's charts from the JSON the page embeds (no requests of its own),
// again whenever the filters bring a new part of the page through htmx.
(function () {
  "use strict";
  var pct = function (v) { return v === null ? null : Math.round(v * 1000) / 10; };

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return; }
    var old = window.echarts.getInstanceByDom(el);
    if (old) { old.dispose(); }
    var chart = window.echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.ready = "1";
  }

  function render() {
  var source = document.getElementById("dashboard-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);

  draw("chart-trend", {
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
    legend: { data: ["回访率", "回访成功率"] },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: "回访率", type: "line", data: data.follow_up_rate.map(pct) },
      { name: "回访成功率", type: "line", data: data.success_rate.map(pct) }
    ]
  });

  var reasons = Object.keys(data.failure_reasons);
  draw("chart-reasons", {
    tooltip: { trigger: "axis" },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: reasons },
    series: [{ type: "bar", data: reasons.map(function (k) { return data.failure_reasons[k]; }) }]
  });

  var stages = [["recorded", "登记"], ["forwarded", "转科室"], ["answered", "科室答复"], ["verified", "回访核实"], ["closed", "结案"]];
  draw("chart-funnel", {
    tooltip: { trigger: "item" },
    series: [{
      type: "funnel", sort: "none", left: "10%", width: "80%",
      label: { show: true, formatter: "{b}: {c}" },
      data: stages.map(function (s) { return { name: s[1], value: data.funnel[s[0]] }; })
    }]
  });

  var departments = Object.keys(data.heatmap);
  var dimensions = [];
  departments.forEach(function (d) {
    Object.keys(data.heatmap[d]).forEach(function (k) { if (dimensions.indexOf(k) < 0) { dimensions.push(k); } });
  });
  var cells = [];
  departments.forEach(function (d, y) {
    dimensions.forEach(function (k, x) {
      var v = data.heatmap[d][k];
      if (v !== undefined && v !== null) { cells.push([x, y, v]); }
    });
  });
  draw("chart-heatmap", {
    tooltip: { position: "top" },
    grid: { left: 100, bottom: 60 },
    xAxis: { type: "category", data: dimensions, splitArea: { show: true } },
    yAxis: { type: "category", data: departments, splitArea: { show: true } },
    visualMap: { min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
    series: [{ type: "heatmap", data: cells, label: { show: true } }]
  });
  }

  render();
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var source = document.getElementById("dashboard-data");
    if (source && event.target && event.target.contains(source)) { render(); }
  });
})();
