/* planner report: table (sort, filter, paginate) and charts.
   Data comes from the JSON block #planner-data; every string from it reaches the DOM through
   textContent (never innerHTML), so inventory values cannot become markup. */
(function () {
  "use strict";
  var t0 = performance.now();
  var data = JSON.parse(document.getElementById("planner-data").textContent);
  var C = {};
  data.columns.forEach(function (name, i) { C[name] = i; });
  var rows = data.rows;
  var S = data.strings || [];
  /* Repeated strings travel once (data.strings); rows carry their index. */
  var interned = (data.interned || []).map(function (name) { return C[name]; });
  rows.forEach(function (r) {
    for (var k = 0; k < interned.length; k++) r[interned[k]] = S[r[interned[k]]];
    r[C.reasons] = r[C.reasons].map(function (x) { return [S[x[0]], S[x[1]]]; });
  });
  var byId = {};
  rows.forEach(function (r, i) { byId[r[C.id]] = i; });
  var collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  var NUMERIC = { current: true, proposed: true, saving: true };

  var state = { key: null, dir: 1, text: "", decision: "", page: 0, size: 50, view: null, target: null };
  var haystack = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function buildHaystack() {
    haystack = rows.map(function (r) {
      var reasons = r[C.reasons].map(function (x) { return x[0] + " " + x[1]; }).join(" ");
      return [r[C.cluster], r[C.namespace], r[C.name], r[C.ports], r[C.decision], reasons,
              r[C.entrypoint], r[C.hosts], r[C.visibility]].join(" \u0001 ").toLowerCase();
    });
  }

  function computeView() {
    var words = state.text.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length && !haystack) buildHaystack();
    var view = [];
    for (var i = 0; i < rows.length; i++) {
      if (state.decision && rows[i][C.decision] !== state.decision) continue;
      var ok = true;
      for (var w = 0; w < words.length; w++) {
        if (haystack[i].indexOf(words[w]) < 0) { ok = false; break; }
      }
      if (ok) view.push(i);
    }
    if (state.key) {
      var k = C[state.key], dir = state.dir, num = NUMERIC[state.key];
      view.sort(function (a, b) {
        var x = rows[a][k], y = rows[b][k];
        var c = num ? x - y : collator.compare(x, y);
        return c !== 0 ? c * dir : a - b;
      });
    }
    state.view = view;
  }

  function renderRow(i) {
    var r = rows[i];
    var tr = el("tr");
    tr.id = r[C.id];
    tr.dataset.index = String(i);
    var ns = el("td");
    ns.appendChild(el("span", null, r[C.namespace]));
    ns.appendChild(el("span", "sub", "cluster " + r[C.cluster]));
    tr.appendChild(ns);
    var name = el("th", "svc-name");
    name.scope = "row";
    name.appendChild(el("span", "svc", r[C.name]));
    name.appendChild(el("span", "sub", r[C.ports] + " · " + r[C.visibility]));
    tr.appendChild(name);
    var dec = el("td");
    dec.appendChild(el("span", "badge badge-" + (r[C.decision] === "consolidate" ? "consolidate" : "keep"), r[C.decision]));
    if (r[C.risk]) dec.appendChild(el("span", "risk risk-" + r[C.risk], r[C.risk] + " risk"));
    tr.appendChild(dec);
    var rs = el("td", "reasons");
    r[C.reasons].forEach(function (x) {
      var line = el("span", "reason");
      line.appendChild(el("code", null, x[0]));
      line.appendChild(el("span", "reason-msg", x[1]));
      rs.appendChild(line);
    });
    tr.appendChild(rs);
    tr.appendChild(el("td", "num", r[C.current_text]));
    tr.appendChild(el("td", "num", r[C.proposed_text]));
    tr.appendChild(el("td", "num", r[C.saving_text]));
    var ep = el("td");
    if (r[C.entrypoint]) {
      ep.appendChild(el("span", null, r[C.entrypoint]));
      if (r[C.hosts]) ep.appendChild(el("span", "sub", r[C.hosts]));
      if (r[C.generated_hosts]) {
        var g = el("span", "sub");
        g.appendChild(el("span", "badge badge-generated", "generated"));
        g.appendChild(document.createTextNode(" " + r[C.generated_hosts]));
        ep.appendChild(g);
      }
    } else {
      ep.appendChild(el("span", "sub", "stays on its own load balancer"));
    }
    tr.appendChild(ep);
    return tr;
  }

  var body = document.getElementById("lb-body");
  var statusEl = document.getElementById("table-status");
  var pageInfo = document.getElementById("page-info");
  var prev = document.getElementById("page-prev");
  var next = document.getElementById("page-next");

  function fmt(n) { return n.toLocaleString("en-US"); }

  function render(all) {
    var view = state.view;
    var pages = Math.max(1, Math.ceil(view.length / state.size));
    if (state.page >= pages) state.page = pages - 1;
    var start = all ? 0 : state.page * state.size;
    var end = all ? view.length : Math.min(view.length, start + state.size);
    var frag = document.createDocumentFragment();
    for (var j = start; j < end; j++) frag.appendChild(renderRow(view[j]));
    if (view.length === 0) {
      var tr = el("tr"), td = el("td", "empty", "No load balancer matches the filter.");
      td.colSpan = 8;
      tr.appendChild(td);
      frag.appendChild(tr);
    }
    body.replaceChildren(frag);
    var filtered = view.length !== rows.length;
    statusEl.textContent = fmt(view.length) + " of " + fmt(rows.length) + " load balancers" + (filtered ? " match" : "");
    pageInfo.textContent = view.length ? "Rows " + fmt(start + 1) + "–" + fmt(end) + " · page " + (state.page + 1) + " of " + pages : "";
    prev.disabled = all || state.page === 0;
    next.disabled = all || state.page >= pages - 1;
    if (state.target) {
      var row = document.getElementById(state.target);
      if (row) { row.classList.add("target"); row.scrollIntoView({ block: "center" }); }
    }
  }

  function update() { computeView(); render(false); window.__plannerUpdates = (window.__plannerUpdates || 0) + 1; }

  var timer = null;
  document.getElementById("filter-text").addEventListener("input", function (ev) {
    clearTimeout(timer);
    var value = ev.target.value;
    timer = setTimeout(function () { state.text = value; state.page = 0; state.target = null; update(); }, 120);
  });
  document.getElementById("filter-decision").addEventListener("change", function (ev) {
    state.decision = ev.target.value; state.page = 0; state.target = null; update();
  });
  document.getElementById("page-size").addEventListener("change", function (ev) {
    state.size = parseInt(ev.target.value, 10) || 50; state.page = 0; render(false);
  });
  prev.addEventListener("click", function () { state.page -= 1; state.target = null; render(false); });
  next.addEventListener("click", function () { state.page += 1; state.target = null; render(false); });

  var headers = document.querySelectorAll("#lb-table th[data-sort]");
  Array.prototype.forEach.call(headers, function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var key = th.getAttribute("data-sort");
      if (state.key === key) state.dir = -state.dir;
      else { state.key = key; state.dir = NUMERIC[key] ? -1 : 1; }
      Array.prototype.forEach.call(headers, function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", state.dir === 1 ? "ascending" : "descending");
      state.page = 0; state.target = null;
      update();
    });
  });

  /* Long lists (routes, existing entrypoints, notes, DNS records) of a large plan: paged tables
     from data.lists, drawn when their section is first opened. */
  var lists = {};
  function cell(tag, cls, text) { var c = el(tag, cls); if (text !== undefined) c.textContent = String(text); return c; }
  var LIST_ROWS = {
    routes: function (r) {
      var tr = el("tr");
      var h = cell("td", null, r[0]);
      if (r[5]) { h.appendChild(document.createTextNode(" ")); var b = el("span", "badge badge-generated", "generated"); b.title = "host generated by planner (HOST_GENERATED)"; h.appendChild(b); }
      tr.appendChild(h);
      var p = el("td"); p.appendChild(el("code", null, r[1])); tr.appendChild(p);
      tr.appendChild(cell("td", null, S[r[2]]));
      tr.appendChild(cell("td", null, r[3]));
      tr.appendChild(cell("td", "num", r[4]));
      return tr;
    },
    existing: function (r) {
      var tr = el("tr");
      tr.id = r[0];
      var th = el("th"); th.scope = "row";
      th.appendChild(document.createTextNode(r[1] + " "));
      th.appendChild(el("code", null, r[2]));
      if (r[3]) { th.appendChild(document.createTextNode(" ")); th.appendChild(el("span", "badge badge-internal", "internal")); }
      tr.appendChild(th);
      var cls = el("td"); cls.appendChild(el("code", null, S[r[4]]));
      if (!r[5]) { cls.appendChild(document.createTextNode(" ")); cls.appendChild(el("span", "badge badge-muted", "not priced")); }
      tr.appendChild(cls);
      tr.appendChild(cell("td", null, r[6]));
      tr.appendChild(cell("td", "num", r[7]));
      tr.appendChild(cell("td", "num", r[8]));
      var rt = el("td");
      r[9].forEach(function (x, j) {
        if (j) rt.appendChild(el("br"));
        rt.appendChild(document.createTextNode(x[0]));
        rt.appendChild(el("code", null, x[1]));
        rt.appendChild(document.createTextNode(" \u2192 " + x[2] + ":" + x[3]));
      });
      tr.appendChild(rt);
      return tr;
    },
    notes: function (r, level) {
      var tr = el("tr");
      var lv = el("td"); lv.appendChild(el("span", "level level-" + level, level.toUpperCase())); tr.appendChild(lv);
      var code = el("td"); code.appendChild(el("code", null, S[r[0]])); tr.appendChild(code);
      var obj = el("td");
      var anchor = typeof r[1] === "number" ? "svc-" + r[1] : r[3];
      var text = noteObject(r);
      if (anchor) { var a = el("a", "obj-link", text); a.setAttribute("href", "#" + anchor); obj.appendChild(a); }
      else obj.textContent = text;
      tr.appendChild(obj);
      tr.appendChild(cell("td", null, S[r[2]]));
      return tr;
    },
    dns: function (r) {
      var tr = el("tr");
      tr.appendChild(cell("td", null, r[0]));
      tr.appendChild(cell("td", null, r[1]));
      tr.appendChild(cell("td", null, S[r[2]]));
      return tr;
    }
  };
  function noteObject(r) {
    if (typeof r[1] !== "number") return r[1];
    var s = rows[r[1]];
    return "Service " + s[C.cluster] + "/" + s[C.namespace] + "/" + s[C.name];
  }
  function listText(kind, r) {
    if (kind === "notes") return [S[r[0]], noteObject(r), S[r[2]]].join(" \u0001 ").toLowerCase();
    if (kind === "routes") return [r[0], r[1], S[r[2]], r[3], r[4]].join(" \u0001 ").toLowerCase();
    if (kind === "existing") return [r[1], r[2], S[r[4]], r[9].map(function (x) { return x.join(" "); }).join(" ")].join(" \u0001 ").toLowerCase();
    return [r[0], r[1], S[r[2]]].join(" \u0001 ").toLowerCase();
  }
  function makeList(box) {
    var key = box.getAttribute("data-list");
    var kind = key.split("-")[0], extra = key.slice(kind.length + 1);
    var all = (data.lists || {})[key] || [];
    var L = { key: key, kind: kind, rows: all, view: null, page: 0, size: 50, text: "", hay: null, target: null, drawn: false,
              body: box.querySelector("tbody"), status: box.querySelector(".list-status"), info: box.querySelector(".list-info"),
              prev: box.querySelector(".list-prev"), next: box.querySelector(".list-next"), input: box.querySelector(".list-filter") };
    L.filter = function () {
      var words = L.text.toLowerCase().split(/\s+/).filter(Boolean);
      if (!words.length) { L.view = null; return; }
      if (!L.hay) L.hay = all.map(function (r) { return listText(kind, r); });
      L.view = [];
      for (var i = 0; i < all.length; i++) {
        var ok = true;
        for (var w = 0; w < words.length; w++) if (L.hay[i].indexOf(words[w]) < 0) { ok = false; break; }
        if (ok) L.view.push(i);
      }
    };
    L.draw = function () {
      L.drawn = true;
      var n = L.view ? L.view.length : all.length;
      var pages = Math.max(1, Math.ceil(n / L.size));
      if (L.page >= pages) L.page = pages - 1;
      var start = L.page * L.size, end = Math.min(n, start + L.size);
      var frag = document.createDocumentFragment();
      for (var j = start; j < end; j++) frag.appendChild(LIST_ROWS[kind](all[L.view ? L.view[j] : j], extra));
      if (n === 0) {
        var tr = el("tr"), td = el("td", "empty", "No row matches the filter.");
        td.colSpan = box.querySelectorAll("thead th").length;
        tr.appendChild(td); frag.appendChild(tr);
      }
      L.body.replaceChildren(frag);
      L.status.textContent = fmt(n) + " of " + fmt(all.length) + " rows" + (L.view ? " match" : "");
      L.info.textContent = n ? "Rows " + fmt(start + 1) + "\u2013" + fmt(end) + " \u00b7 page " + (L.page + 1) + " of " + pages : "";
      L.prev.disabled = L.page === 0;
      L.next.disabled = L.page >= pages - 1;
      if (L.target) {
        var row = document.getElementById(L.target);
        if (row) { row.classList.add("target"); row.scrollIntoView({ block: "center" }); }
      }
    };
    L.prev.addEventListener("click", function () { L.page -= 1; L.target = null; L.draw(); });
    L.next.addEventListener("click", function () { L.page += 1; L.target = null; L.draw(); });
    var t = null;
    L.input.addEventListener("input", function (ev) {
      clearTimeout(t);
      var value = ev.target.value;
      t = setTimeout(function () { L.text = value; L.page = 0; L.target = null; L.filter(); L.draw(); window.__plannerUpdates = (window.__plannerUpdates || 0) + 1; }, 120);
    });
    var det = box.parentNode.closest ? box.parentNode.closest("details") : null;
    if (!det || det.open) L.draw();
    else det.addEventListener("toggle", function () { if (det.open && !L.drawn) L.draw(); });
    lists[key] = L;
  }
  Array.prototype.forEach.call(document.querySelectorAll("div.paged[data-list]"), makeList);

  /* #existing-N in a paged list: show its page, clearing the list's filter. */
  function revealInList(id) {
    var m = /^existing-(\d+)$/.exec(id), L = lists.existing;
    if (!m || !L) return false;
    var i = parseInt(m[1], 10);
    if (i >= L.rows.length) return false;
    if (L.view && L.view.indexOf(i) < 0) { L.text = ""; L.input.value = ""; L.view = null; }
    var pos = L.view ? L.view.indexOf(i) : i;
    L.page = Math.floor(pos / L.size);
    L.target = id;
    L.draw();
    return true;
  }

  /* Links from notes (#svc-N): show that row, clearing filters that hide it. */
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (revealInList(id)) return;
    if (!(id in byId)) return;
    var pos = state.view.indexOf(byId[id]);
    if (pos < 0) {
      state.text = ""; state.decision = "";
      document.getElementById("filter-text").value = "";
      document.getElementById("filter-decision").value = "";
      computeView();
      pos = state.view.indexOf(byId[id]);
    }
    state.page = Math.floor(pos / state.size);
    state.target = id;
    render(false);
  }
  window.addEventListener("hashchange", reveal);

  /* Print every row (up to a bound) and open collapsed sections. */
  var opened = [];
  window.addEventListener("beforeprint", function () {
    if (state.view.length <= 5000) render(true);
    Object.keys(lists).forEach(function (k) { if (!lists[k].drawn) lists[k].draw(); });  /* first page of each long list */
    Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    render(false);
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });

  /* The runbook's fill-in form: typed values replace the marked placeholders (textContent). */
  var fillInputs = document.querySelectorAll("#runbook-fill input[data-ph]");
  Array.prototype.forEach.call(fillInputs, function (input) {
    input.addEventListener("input", function () {
      var ph = input.getAttribute("data-ph"), value = input.value.trim();
      Array.prototype.forEach.call(document.querySelectorAll("#runbook span.ph[data-ph]"), function (span) {
        if (span.getAttribute("data-ph") !== ph) return;
        span.textContent = value || ph;
        span.classList.toggle("filled", !!value);
      });
    });
  });

  update();
  if (location.hash) reveal();
  var tTable = performance.now();

  /* Charts (Chart.js, inlined). Aggregates only: a few bars whatever the fleet size. */
  var charts = {};
  if (window.Chart) {
    var Chart = window.Chart;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#334155";
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
    var usd = function (v) { return "$" + Number(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); };
    var usdTick = function (v) { return "$" + Number(v).toLocaleString("en-US"); };
    var tip = { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + usd(ctx.parsed[ctx.chart.options.indexAxis === "y" ? "x" : "y"]); } } };
    var NOW = "#94a3b8", AFTER = "#4f46e5";
    var costBars = function (id, series, horizontal) {
      var node = document.getElementById(id);
      if (!node || !series || !series.labels.length) return;
      if (horizontal) node.parentNode.style.height = Math.max(260, 34 * series.labels.length + 70) + "px";
      var catAxis = { ticks: { autoSkip: false }, grid: { display: false } };
      charts[id] = new Chart(node, {
        type: "bar",
        data: { labels: series.labels, datasets: [
          { label: "Now", data: series.current, backgroundColor: NOW, borderRadius: 4 },
          { label: "After", data: series.proposed, backgroundColor: AFTER, borderRadius: 4 }
        ] },
        options: {
          indexAxis: horizontal ? "y" : "x",
          plugins: { legend: { position: "bottom" }, tooltip: tip },
          scales: horizontal ? { x: { ticks: { callback: usdTick }, beginAtZero: true }, y: catAxis }
                             : { y: { ticks: { callback: usdTick }, beginAtZero: true }, x: catAxis }
        }
      });
    };
    var tot = data.charts.total;
    if (document.getElementById("chart-total")) {
      charts["chart-total"] = new Chart(document.getElementById("chart-total"), {
        type: "bar",
        data: { labels: ["Now", "After"], datasets: [{ label: "Monthly cost", data: [tot.current[0], tot.proposed[0]],
          backgroundColor: [NOW, AFTER], borderRadius: 6, maxBarThickness: 120 }] },
        options: { plugins: { legend: { display: false }, tooltip: tip },
                   scales: { y: { beginAtZero: true, ticks: { callback: usdTick } }, x: { grid: { display: false } } } }
      });
    }
    costBars("chart-namespace", data.charts.namespace, true);
    costBars("chart-cluster", data.charts.cluster, false);
    var rc = data.charts.reasons;
    if (rc && rc.labels.length && document.getElementById("chart-reasons")) {
      document.getElementById("chart-reasons").parentNode.style.height = Math.max(260, 26 * rc.labels.length + 50) + "px";
      charts["chart-reasons"] = new Chart(document.getElementById("chart-reasons"), {
        type: "bar",
        data: { labels: rc.labels, datasets: [{ label: "Services", data: rc.counts,
          backgroundColor: rc.decisions.map(function (d) { return d === "consolidate" ? AFTER : NOW; }), borderRadius: 4 }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false }, grid: { display: false } } } }
      });
    }
    var cmp = data.charts.comparison;
    if (cmp && document.getElementById("chart-comparison")) {
      charts["chart-comparison"] = new Chart(document.getElementById("chart-comparison"), {
        type: "bar",
        data: { labels: ["now"].concat(cmp.labels), datasets: [{ label: "Monthly cost", data: [cmp.current].concat(cmp.monthly),
          backgroundColor: [NOW].concat(cmp.labels.map(function () { return AFTER; })), borderRadius: 4 }] },
        options: { plugins: { legend: { display: false }, tooltip: tip }, scales: { y: { beginAtZero: true, ticks: { callback: usdTick } } } }
      });
    }
    var tr = data.charts.traffic;
    if (tr && document.getElementById("chart-traffic")) {
      var pts = function (ys) { return tr.gib.map(function (x, i) { return { x: x, y: ys[i] }; }).filter(function (p) { return p.y !== null; }); };
      var sets = [{ label: "Savings", data: pts(tr.savings), borderColor: "#047857", backgroundColor: "#047857", borderWidth: 3 }];
      if (tr.current.some(function (v) { return v !== null; })) sets.push({ label: "Now", data: pts(tr.current), borderColor: NOW, backgroundColor: NOW, borderDash: [6, 4] });
      if (tr.proposed.some(function (v) { return v !== null; })) sets.push({ label: "After", data: pts(tr.proposed), borderColor: AFTER, backgroundColor: AFTER });
      if (tr.break_even !== null) sets.push({ label: "Break-even", data: [{ x: tr.break_even, y: 0 }], type: "scatter",
        pointStyle: "rectRot", pointRadius: 8, borderColor: "#b91c1c", backgroundColor: "#b91c1c" });
      charts["chart-traffic"] = new Chart(document.getElementById("chart-traffic"), {
        type: "line", data: { datasets: sets },
        options: { plugins: { legend: { position: "bottom" }, tooltip: { callbacks: { label: function (ctx) {
                     return ctx.dataset.label + " at " + ctx.parsed.x.toLocaleString("en-US") + " GiB: " + usd(ctx.parsed.y); } } } },
                   scales: { x: { type: "linear", beginAtZero: true, title: { display: true, text: "GiB in and out per service per month" },
                                  ticks: { callback: function (v) { return Number(v).toLocaleString("en-US"); } } },
                             y: { ticks: { callback: usdTick },
                                  grid: { color: function (c) { return c.tick && c.tick.value === 0 ? "#0f172a" : "#e2e8f0"; } } } } }
      });
    }
  }
  window.__planner = { ready: true, rows: rows.length, charts: Object.keys(charts).sort(),
                       timing: { table_ms: tTable - t0, script_ms: performance.now() - t0,
                                 ready_since_navigation_ms: performance.now() } };
})();
