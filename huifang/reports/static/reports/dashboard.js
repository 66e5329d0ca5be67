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

  // Every word comes from the page (reports/labels.py, the PDFs' source), in the user's language.
  var labels = data.labels || {};
  var word = function (group, code) {
    var words = labels[group] || {};
    return Object.prototype.hasOwnProperty.call(words, code) ? words[code] : code;
  };
  var series = labels.series || {};

  draw("chart-trend", {
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
    legend: { top: 0, data: [series.follow_up_rate, series.success_rate] },
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: series.follow_up_rate, type: "line", data: data.follow_up_rate.map(pct) },
      { name: series.success_rate, type: "line", data: data.success_rate.map(pct) }
    ]
  });

  var reasons = Object.keys(data.failure_reasons);
  draw("chart-reasons", {
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: reasons.map(function (k) { return word("reasons", k); }) },
    series: [{ name: series.tasks, type: "bar", data: reasons.map(function (k) { return data.failure_reasons[k]; }) }]
  });

  var stages = ["recorded", "forwarded", "answered", "verified", "closed"];
  draw("chart-funnel", {
    tooltip: { trigger: "item" },
    series: [{
      // Room on the right for the stages' words (English ones are long).
      type: "funnel", sort: "none", left: "4%", width: "48%", top: 16, bottom: 16,
      label: { show: true, position: "right", formatter: "{b}: {c}" },
      data: stages.map(function (s) { return { name: word("funnel", s), value: data.funnel[s] }; })
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
    grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
    xAxis: {
      type: "category", splitArea: { show: true },
      axisLabel: { interval: 0, rotate: dimensions.length > 6 ? 30 : 0 },
      data: dimensions.map(function (k) { return word("dimensions", k); })
    },
    yAxis: { type: "category", splitArea: { show: true }, data: departments.map(function (d) { return word("departments", d); }) },
    visualMap: { min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
    series: [{ name: series.score, type: "heatmap", data: cells, label: { show: true } }]
  });
  }

  render();
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var source = document.getElementById("dashboard-data");
    if (source && event.target && event.target.contains(source)) { render(); }
  });
})();
