// vaultgraph backlink report: search, navigation and a small force-directed graph.
// Reads only the JSON in #graph-data; writes text with textContent, never HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var items = Array.prototype.slice.call(document.querySelectorAll("#note-list li"));
  var search = document.getElementById("search");
  var counter = document.getElementById("search-count");

  function filter() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (li) {
      var text = li.getAttribute("data-search");
      var hit = words.every(function (w) { return text.indexOf(w) >= 0; });
      li.classList.toggle("hidden", !hit);
      if (hit) shown++;
    });
    counter.textContent = shown + " of " + items.length + " notes";
  }
  search.addEventListener("input", filter);
  search.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    var first = items.filter(function (li) { return !li.classList.contains("hidden"); })[0];
    var link = first && first.querySelector("a");
    if (link) location.hash = link.getAttribute("href");
  });
  filter();

  // ---- graph ------------------------------------------------------------------
  var canvas = document.getElementById("graph");
  var context = canvas.getContext("2d");
  var title = document.getElementById("graph-title");
  var depthSelect = document.getElementById("graph-depth");
  var byAnchor = {};
  var neighbours = data.nodes.map(function () { return []; });
  data.nodes.forEach(function (node, i) { byAnchor[node.anchor] = i; });
  data.edges.forEach(function (edge) {
    neighbours[edge[0]].push(edge[1]);
    neighbours[edge[1]].push(edge[0]);
  });
  var view = { nodes: [], edges: [], focus: -1 };

  function random(seed) {  // deterministic positions: the same report draws the same graph
    return function () { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  }

  function choose(focus, depth) {
    var chosen;
    if (focus < 0) {
      chosen = data.nodes.map(function (_, i) { return i; });
      if (chosen.length > data.limit) {
        chosen.sort(function (a, b) { return data.nodes[b].backlinks - data.nodes[a].backlinks; });
        chosen = chosen.slice(0, data.limit);
      }
    } else {
      var seen = {}; seen[focus] = 0; chosen = [focus];
      for (var step = 0, frontier = [focus]; step < depth; step++) {
        var next = [];
        frontier.forEach(function (n) {
          neighbours[n].forEach(function (m) {
            if (!(m in seen)) { seen[m] = step + 1; chosen.push(m); next.push(m); }
          });
        });
        frontier = next;
      }
    }
    var local = {};
    chosen.forEach(function (n, i) { local[n] = i; });
    var edges = [];
    data.edges.forEach(function (e) {
      if (e[0] in local && e[1] in local) edges.push([local[e[0]], local[e[1]]]);
    });
    var rand = random(chosen.length + 7);
    var nodes = chosen.map(function (n) {
      return { id: n, x: rand() - 0.5, y: rand() - 0.5, dx: 0, dy: 0, degree: neighbours[n].length };
    });
    view = { nodes: nodes, edges: edges, focus: focus < 0 ? -1 : local[focus] };
    layout(view);
    draw();
  }

  function layout(v) {  // Fruchterman-Reingold in the unit square, cooling as it goes
    var n = v.nodes.length;
    if (!n) return;
    var k = Math.sqrt(1 / n), rounds = n > 600 ? 60 : 220, heat = 0.1, gravity = 2 * k, reach = 9 * k * k * 4;
    for (var r = 0; r < rounds; r++) {
      v.nodes.forEach(function (a) { a.dx = 0; a.dy = 0; });
      for (var i = 0; i < n; i++) {
        var a = v.nodes[i];
        for (var j = i + 1; j < n; j++) {
          var b = v.nodes[j], x = a.x - b.x, y = a.y - b.y, d2 = x * x + y * y + 1e-9;
          if (d2 > reach) continue;  // only near nodes push: islands are not driven off
          var force = k * k / d2;
          a.dx += x * force; a.dy += y * force; b.dx -= x * force; b.dy -= y * force;
        }
      }
      v.edges.forEach(function (e) {
        var a = v.nodes[e[0]], b = v.nodes[e[1]], x = a.x - b.x, y = a.y - b.y;
        var d = Math.sqrt(x * x + y * y) + 1e-9, pull = d / k;
        a.dx -= x * pull; a.dy -= y * pull; b.dx += x * pull; b.dy += y * pull;
      });
      v.nodes.forEach(function (a) {
        a.dx -= a.x * gravity; a.dy -= a.y * gravity;  // keeps islands near the rest
        var len = Math.sqrt(a.dx * a.dx + a.dy * a.dy) + 1e-9, step = Math.min(len, heat);
        a.x += a.dx / len * step; a.y += a.dy / len * step;
      });
      heat *= 0.97;
    }
    if (v.focus >= 0) {
      var f = v.nodes[v.focus], cx = f.x, cy = f.y;
      v.nodes.forEach(function (a) { a.x -= cx; a.y -= cy; });
    }
  }

  function screen(v) {
    var w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
    var ratio = window.devicePixelRatio || 1;
    canvas.width = w * ratio; canvas.height = h * ratio;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    var xs = v.nodes.map(function (a) { return a.x; }), ys = v.nodes.map(function (a) { return a.y; });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    var scale = Math.min((w - 60) / ((maxX - minX) || 1), (h - 40) / ((maxY - minY) || 1));
    v.nodes.forEach(function (a) {
      a.sx = 30 + (a.x - minX) * scale + ((w - 60) - (maxX - minX) * scale) / 2;
      a.sy = 20 + (a.y - minY) * scale + ((h - 40) - (maxY - minY) * scale) / 2;
      a.r = 3 + Math.min(9, Math.sqrt(a.degree) * 1.6);
    });
    return { w: w, h: h };
  }

  function draw() {
    var size = screen(view);
    context.clearRect(0, 0, size.w, size.h);
    context.strokeStyle = "rgba(109, 40, 217, 0.25)";
    context.lineWidth = 1;
    view.edges.forEach(function (e) {
      var a = view.nodes[e[0]], b = view.nodes[e[1]];
      context.beginPath(); context.moveTo(a.sx, a.sy); context.lineTo(b.sx, b.sy); context.stroke();
    });
    var labelled = view.nodes.length <= 30;
    view.nodes.forEach(function (a, i) {
      context.beginPath();
      context.fillStyle = i === view.focus ? "#db2777" : "#6d28d9";
      context.arc(a.sx, a.sy, i === view.focus ? a.r + 3 : a.r, 0, 2 * Math.PI);
      context.fill();
      if (labelled || i === view.focus || a.degree >= 8) {
        context.fillStyle = "#1f2937";
        context.font = "12px system-ui, sans-serif";
        context.fillText(data.nodes[a.id].title.slice(0, 40), a.sx + a.r + 3, a.sy + 4);
      }
    });
    canvas.setAttribute("data-drawn-nodes", String(view.nodes.length));
    canvas.setAttribute("data-drawn-edges", String(view.edges.length));
  }

  canvas.addEventListener("click", function (event) {
    var box = canvas.getBoundingClientRect(), x = event.clientX - box.left, y = event.clientY - box.top;
    var best = -1, bestDistance = 15 * 15;
    view.nodes.forEach(function (a, i) {
      var d = (a.sx - x) * (a.sx - x) + (a.sy - y) * (a.sy - y);
      if (d < bestDistance) { best = i; bestDistance = d; }
    });
    if (best >= 0) location.hash = "#" + data.nodes[view.nodes[best].id].anchor;
  });

  function follow() {
    var anchor = location.hash.slice(1);
    items.forEach(function (li) {
      var link = li.querySelector("a");
      li.classList.toggle("current", !!link && link.getAttribute("href") === "#" + anchor);
    });
    if (anchor in byAnchor) {
      title.textContent = "Around " + data.nodes[byAnchor[anchor]].title;
      choose(byAnchor[anchor], Number(depthSelect.value));
    } else if (view.focus !== -1 || !view.nodes.length) {
      title.textContent = "Whole vault (" + Math.min(data.nodes.length, data.limit) + " notes)";
      choose(-1, 0);
    }
  }
  document.getElementById("graph-all").addEventListener("click", function () {
    history.pushState(null, "", location.pathname);
    follow();
  });
  depthSelect.addEventListener("change", follow);
  window.addEventListener("hashchange", follow);
  window.addEventListener("resize", draw);
  follow();
})();
