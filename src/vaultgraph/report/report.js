// vaultgraph backlink report: the page drawn from the JSON in #report-data (report/html.py).
// Vault text only ever reaches the page through textContent and attribute values.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var S = D.strings, N = D.title.length, V = window.VaultgraphVendor;
  var ROW = 26;  // px, one row of the note list

  // ---- the model -------------------------------------------------------------------
  var ghost = {};
  D.ghost.forEach(function (i) { ghost[i] = true; });
  function exists(i) { return i >= 0 && i < N && !ghost[i]; }
  function pathOf(i) {
    if (i >= N) return S[D.others[i - N]];
    if (ghost[i]) return null;
    if (i in D.file) return S[D.file[i]];
    var folder = S[D.folder[i]];
    return (folder ? folder + "/" : "") + D.title[i] + ".md";
  }
  function titleOf(i) {
    if (i < N) return D.title[i];
    var name = pathOf(i).split("/").pop();
    return /\.md$/i.test(name) ? name.slice(0, -3) : name;
  }
  var byPath = {};
  for (var i = 0; i < N; i++) if (!ghost[i]) byPath[pathOf(i)] = i;
  // A context (html.py, _Contexts): [text string, start, end, cut] from its number v.
  function context(v) {
    if (v < 0) return [-v - 2, 0, S[-v - 2].length, 0];
    return D.contexts.slice(4 * v, 4 * v + 4);
  }
  var W = 6;  // numbers a link in D.outgoing: target, line, context, offset, length, status
  function rawOf(out, k) {  // the link's text as written: a slice of its context's text
    var at = out[k + 3];
    return at < 0 ? S[out[k + 4]] : S[context(out[k + 2])[0]].slice(at, at + out[k + 4]);
  }
  // Backlinks: each link is shipped once, in D.outgoing; a note's backlinks are read off the
  // links of the other notes, sources in path order (as build_report lists them), except
  // where D.backlinks gives them (a canvas's link, a source the report leaves out).
  // Four numbers a backlink: source, line, context, offset of the link's text in it (or -1).
  var backlinksOf = [];
  (function () {
    for (var t = 0; t < N; t++) backlinksOf.push(D.backlinks[t] || []);
    var sources = [];
    for (var s = 0; s < N; s++) if (!ghost[s]) sources.push(s);
    var paths = sources.map(pathOf);
    var order = sources.map(function (_, k) { return k; });
    order.sort(function (a, b) { return paths[a] < paths[b] ? -1 : paths[a] > paths[b] ? 1 : 0; });
    order.forEach(function (k) {
      var s = sources[k], out = D.outgoing[s];
      for (var j = 0; j < out.length; j += W) {
        var t = out[j];
        if (t >= 0 && t < N && t !== s && !ghost[t] && !(t in D.backlinks)) backlinksOf[t].push(s, out[j + 1], out[j + 2], out[j + 3]);
      }
    });
  })();
  function backlinkCount(i) { return backlinksOf[i].length / 4; }

  // ---- small DOM helpers (text only) ------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "cls") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function noteHash(i) { return "#/" + encodeURIComponent(pathOf(i)); }
  function noteLink(i, label, cls) {
    var text = label === undefined ? titleOf(i) : label;
    if (exists(i)) return el("a", { href: noteHash(i), cls: cls || "", text: text });
    return el("span", { cls: (cls || "") + " outside", text: text });
  }
  function more(list, total, shown, render) {  // a "show more" button under a long list
    if (shown >= total) return;
    var button = el("button", { type: "button", cls: "more", text: "Show " + Math.min(500, total - shown) + " more of " + (total - shown) });
    button.addEventListener("click", function () {
      button.remove();
      var until = Math.min(total, shown + 500);
      for (var k = shown; k < until; k++) list.appendChild(render(k));
      more(list, total, until, render);
    });
    list.parentNode.insertBefore(button, list.nextSibling);
  }
  function longList(tag, cls, total, first, render) {
    var list = el(tag, { cls: cls });
    for (var k = 0; k < Math.min(total, first); k++) list.appendChild(render(k));
    return { list: list, rest: function () { more(list, total, Math.min(total, first), render); } };
  }

  // ---- search -----------------------------------------------------------------------
  function fold(text) { return text.toLowerCase(); }
  var folded = D.title.map(fold);
  var foldedAliases = D.title.map(function (_, i) { return (D.aliases[i] || []).map(function (a) { return fold(S[a]); }); });
  var haystack = D.title.map(function (_, i) {
    return [folded[i]].concat(foldedAliases[i], [fold(pathOf(i) || "")]).join(" ");
  });
  function fuzzy(query, text) {  // the characters of query in order: lower is better, -1 none
    var at = -1, gaps = 0;
    for (var k = 0; k < query.length; k++) {
      var next = text.indexOf(query[k], at + 1);
      if (next < 0) return -1;
      if (at >= 0) gaps += next - at - 1;
      at = next;
    }
    return gaps;
  }
  // Exact name, then exact alias, then name prefix, alias prefix, every word in the name,
  // aliases or path, and last the query's characters in order in the name (fewest gaps).
  function rank(query) {
    var q = fold(query.trim()), all = [];
    if (!q) { for (var n = 0; n < N; n++) all.push(n); return all; }
    var words = q.split(/\s+/), compact = q.replace(/\s+/g, ""), scored = [];
    for (var i = 0; i < N; i++) {
      var t = folded[i], al = foldedAliases[i], tier = -1, score = 0;
      if (t === q) tier = 0;
      else if (al.indexOf(q) >= 0) tier = 1;
      else if (t.lastIndexOf(q, 0) === 0) tier = 2;
      else if (al.some(function (a) { return a.lastIndexOf(q, 0) === 0; })) tier = 3;
      else if (words.every(function (w) { return haystack[i].indexOf(w) >= 0; })) {
        tier = 4; score = t.indexOf(words[0]) < 0 ? 1000 : t.indexOf(words[0]);
      } else {
        score = fuzzy(compact, t);
        if (score >= 0 && score <= 3 * compact.length + 10) tier = 5;
      }
      if (tier >= 0) scored.push([tier, score, t.length, i]);
    }
    scored.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]; });
    return scored.map(function (s) { return s[3]; });
  }

  // ---- the virtual note list ---------------------------------------------------------
  var search = document.getElementById("search");
  var counter = document.getElementById("search-count");
  var list = document.getElementById("note-list");
  var inner = document.getElementById("note-list-inner");
  var results = [], active = 0, current = -1;
  function drawList() {
    inner.style.height = results.length * ROW + "px";
    var first = Math.max(0, Math.floor(list.scrollTop / ROW) - 10);
    var last = Math.min(results.length, first + Math.ceil((list.clientHeight || 600) / ROW) + 20);
    inner.textContent = "";
    for (var k = first; k < last; k++) {
      var i = results[k];
      var row = el("div", { cls: "row" + (k === active ? " active" : "") + (i === current ? " current" : ""),
        role: "option", "data-note": String(i), "aria-selected": k === active ? "true" : "false" },
        [exists(i) ? el("a", { href: noteHash(i), text: D.title[i] }) : el("span", { cls: "ghost", text: D.title[i] }),
         el("span", { cls: "count", text: String(backlinkCount(i)) })]);
      row.style.top = k * ROW + "px";
      inner.appendChild(row);
    }
  }
  function filter() {
    results = rank(search.value);
    active = 0;
    list.scrollTop = 0;
    counter.textContent = results.length + " of " + N + " notes";
    drawList();
  }
  function moveActive(step) {
    if (!results.length) return;
    active = Math.max(0, Math.min(results.length - 1, active + step));
    if (active * ROW < list.scrollTop) list.scrollTop = active * ROW;
    else if ((active + 1) * ROW > list.scrollTop + list.clientHeight) list.scrollTop = (active + 1) * ROW - list.clientHeight;
    drawList();
  }
  search.addEventListener("input", filter);
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { moveActive(1); event.preventDefault(); }
    else if (event.key === "ArrowUp") { moveActive(-1); event.preventDefault(); }
    else if (event.key === "Enter") {
      var i = results[active];
      if (i !== undefined && exists(i)) location.hash = noteHash(i);
    }
  });
  list.addEventListener("scroll", function () { window.requestAnimationFrame(drawList); });

  // ---- a note, built when it is opened -------------------------------------------------
  var view = document.getElementById("view");
  // The context line with its links shown as links (alias as the label), the backlink's own
  // link marked.  The source's links on that line are where D.outgoing says (offsets into the
  // context's text); the link syntax around each gives its label.
  function contextLine(v, source, line, hitAt) {
    var c = context(v), text = S[c[0]], at = c[1], to = c[2];
    var out = source < N ? D.outgoing[source] : [], parts = [];
    if (c[3] & 1) parts.push("...");
    for (var k = 0; k < out.length; k += W) {
      var found = out[k + 3];
      if (out[k + 1] !== line || found < at || out[k + 2] === -1 || context(out[k + 2])[0] !== c[0]) continue;
      var raw = text.slice(found, found + out[k + 4]), start, end, label;
      if (text.slice(found - 2, found) === "[[") {
        start = found - 2 - (text[found - 3] === "!" ? 1 : 0);
        end = text.indexOf("]]", found + raw.length);
        if (end < 0 || end + 2 > to) continue;
        var rest = text.slice(found + raw.length, end);
        label = rest.charAt(0) === "|" ? rest.slice(1) : raw.replace("#", " > ");
        end += 2;
      } else if (text.slice(found - 2, found) === "](") {
        start = text.lastIndexOf("[", found - 2);
        end = text.indexOf(")", found + raw.length);
        if (start < at || end < 0 || end + 1 > to) continue;
        start -= start > at && text[start - 1] === "!" ? 1 : 0;
        label = text.slice(text.indexOf("[", start) + 1, found - 2) || raw;
        end += 1;
      } else continue;
      if (start < at) continue;
      if (start > at) parts.push(text.slice(at, start));
      var target = out[k];
      var link = target >= 0 ? noteLink(target, label, "in-context") : el("span", { cls: "in-context broken", text: label });
      link.setAttribute("title", text.slice(start, end));
      parts.push(found === hitAt ? el("mark", null, [link]) : link);
      at = end;
    }
    parts.push(text.slice(at, to));
    if (c[3] & 2) parts.push("...");
    return el("blockquote", null, parts);
  }
  function backlinkItem(flat, k) {
    var source = flat[4 * k], line = flat[4 * k + 1];
    return el("li", null, [noteLink(source, undefined, "backlink"), " ",
      el("span", { cls: "muted", text: "line " + line }),
      contextLine(flat[4 * k + 2], source, line, flat[4 * k + 3])]);
  }
  // Provenance (build_report: `provenance CLAIM --json`, `provenance --dependents --json`).
  function nodeLink(node) {
    if (node.note && node.note in byPath) return noteLink(byPath[node.note], node.title);
    return el("span", { cls: "outside", text: node.title });
  }
  function evidenceList(steps) {
    return el("ul", { cls: "evidence" }, steps.map(function (step) {
      var bits = [el("span", { cls: "badge", text: step.via }), " ", nodeLink(step), " ",
        el("span", { cls: "muted", text: step.role + " · line " + step.line + (step.locator ? " · " + step.locator : "") + (step.cycle ? " · cycle" : "") })];
      if (step.quote) bits.push(el("blockquote", { text: step.quote }));
      if (step.rests_on && step.rests_on.length) bits.push(evidenceList(step.rests_on));
      return el("li", null, bits);
    }));
  }
  function provenanceOf(found) {
    var box = el("div", { cls: "provenance" });
    var tree = found.provenance;
    if (tree) {
      box.appendChild(el("h3", { text: "Provenance" }));
      box.appendChild(el("p", null, ["Verdict: ", el("span", { cls: "verdict " + tree.verdict, text: tree.verdict }),
        tree.depth ? el("span", { cls: "muted", text: " (depth " + tree.depth + ")" }) : null]));
      if (tree.rests_on.length) box.appendChild(el("p", { cls: "muted", text: "Rests on" }));
      if (tree.rests_on.length) box.appendChild(evidenceList(tree.rests_on));
      if (tree.opposed_by.length) { box.appendChild(el("p", { cls: "muted", text: "Opposed by" })); box.appendChild(evidenceList(tree.opposed_by)); }
    }
    if (found.dependents) {
      box.appendChild(el("h3", { text: "Claims resting on this source (" + found.dependents.length + ")" }));
      box.appendChild(el("ul", { cls: "dependents" }, found.dependents.map(function (row) {
        return el("li", null, [nodeLink(row), el("span", { cls: "muted", text: " depth " + row.depth })]);
      })));
    }
    return box;
  }
  function showNote(i) {
    view.textContent = "";
    var article = el("article", { cls: "note", id: "note", "data-note": String(i) });
    article.appendChild(el("h2", { text: D.title[i] }));
    article.appendChild(el("p", { cls: "path", text: pathOf(i) || "(no such note)" }));
    article.appendChild(el("p", { cls: "role" }, ["Role: ", el("span", { cls: "badge", text: D.roles[D.role[i]] })]));
    if (D.aliases[i]) article.appendChild(el("p", null, ["Aliases: "].concat(
      D.aliases[i].map(function (a, k) { return el("em", { text: (k ? ", " : "") + S[a] }); }))));
    if (D.tags_of[i]) article.appendChild(el("p", null, D.tags_of[i].map(function (t) {
      return el("a", { cls: "tag", href: "#tag/" + encodeURIComponent(S[t]), text: "#" + S[t] });
    })));
    if (D.provenance[i]) article.appendChild(provenanceOf(D.provenance[i]));
    var back = backlinksOf[i], count = back.length / 4;
    article.appendChild(el("h3", { text: "Backlinks (" + count + ")" }));
    var backs = longList("ul", "backlinks", count, 200, function (k) { return backlinkItem(back, k); });
    article.appendChild(backs.list);
    var out = D.outgoing[i];
    if (out.length) {
      article.appendChild(el("h3", { text: "Outgoing (" + out.length / W + ")" }));
      var outs = longList("ul", "outgoing", out.length / W, 200, function (k) {
        var target = out[W * k], status = D.statuses[out[W * k + 5]];
        var cls = status === "resolved" ? "ok" : status === "ambiguous" ? "warn" : "bad";
        return el("li", null, [target >= 0 ? noteLink(target) : el("code", { text: rawOf(out, W * k) }), " ",
          el("span", { cls: "status " + cls, text: status }), " ",
          el("span", { cls: "muted", text: "line " + out[W * k + 1] })]);
      });
      article.appendChild(outs.list);
    }
    view.appendChild(article);
    backs.rest();
    if (outs) outs.rest();
  }

  // ---- tags, wanted notes, broken links: built when asked for --------------------------------
  function section(id, title, body) {
    var node = el("section", { id: id }, [el("h2", { text: title })]);
    view.appendChild(node);
    body(node);
    return node;
  }
  function showTags(only) {
    section("tags", only ? "Tag #" + only : "Tags (" + D.tags.length + ")", function (node) {
      var rows = D.tags.filter(function (row) { return !only || fold(S[row[0]]) === fold(only); });
      var dl = longList("dl", "", rows.length, 300, function (k) {
        var row = rows[k], notes = row[2];
        var dd = el("dd");
        notes.slice(0, only ? notes.length : 50).forEach(function (n, j) {
          if (j) dd.appendChild(document.createTextNode(", "));
          dd.appendChild(noteLink(n));
        });
        if (!only && notes.length > 50) dd.appendChild(el("a", { href: "#tag/" + encodeURIComponent(S[row[0]]), text: " … all " + notes.length }));
        var frag = document.createDocumentFragment();
        frag.appendChild(el("dt", null, [el("a", { href: "#tag/" + encodeURIComponent(S[row[0]]), text: "#" + S[row[0]] }), " ", el("span", { cls: "count", text: String(row[1]) })]));
        frag.appendChild(dd);
        return frag;
      });
      node.appendChild(dl.list); dl.rest();
    });
  }
  function showWanted() {
    section("wanted", "Wanted notes (" + D.wanted.length + ")", function (node) {
      var ul = longList("ul", "", D.wanted.length, 300, function (k) {
        var row = D.wanted[k], flat = row[2], li = el("li", null, [el("strong", { text: S[row[0]] }), " ", el("span", { cls: "count", text: String(row[1]) }), " "]);
        for (var j = 0; j < flat.length && j < 20; j += 2) {
          if (j) li.appendChild(document.createTextNode(", "));
          li.appendChild(noteLink(flat[j])); li.appendChild(el("span", { cls: "muted", text: " line " + flat[j + 1] }));
        }
        return li;
      });
      node.appendChild(ul.list); ul.rest();
    });
  }
  function showBroken() {
    section("broken", "Broken links (" + D.broken.length / 2 + ")", function (node) {
      var table = el("table", null, [el("thead", null, [el("tr", null, ["note", "line", "link", "problem"].map(function (h) { return el("th", { text: h }); }))])]);
      var body = longList("tbody", "", D.broken.length / 2, 300, function (k) {
        var i = D.broken[2 * k], out = D.outgoing[i], at = W * D.broken[2 * k + 1];
        return el("tr", null, [el("td", null, [noteLink(i)]), el("td", { text: String(out[at + 1]) }),
          el("td", null, [el("code", { text: rawOf(out, at) })]), el("td", { text: D.statuses[out[at + 5]] })]);
      });
      table.appendChild(body.list); node.appendChild(table); body.rest();
    });
  }
  function showOverview() {
    view.textContent = "";
    var s = D.summary;
    section("overview", "Overview", function (node) {
      node.appendChild(el("p", { text: s.notes + " notes, " + s.backlinks + " backlinks, " + s.broken + " broken links, " + s.wanted + " wanted notes. Pick a note on the left, or search (Enter opens the first match, arrow keys move)." }));
      node.appendChild(el("p", null, [el("a", { href: "#tags", text: "Tags" }), " · ", el("a", { href: "#wanted", text: "Wanted notes" }), " · ", el("a", { href: "#broken", text: "Broken links" })]));
    });
  }

  // ---- the graph ---------------------------------------------------------------------------
  var panel = document.getElementById("graph");
  var graphTitle = document.getElementById("graph-title");
  var graphNote = document.getElementById("graph-note");
  var legend = document.getElementById("legend");
  var depthSelect = document.getElementById("graph-depth");
  var filters = { folder: document.getElementById("filter-folder"), tag: document.getElementById("filter-tag"),
    role: document.getElementById("filter-role"), orphans: document.getElementById("filter-orphans") };
  var neighbours = [];
  for (var n = 0; n < N; n++) neighbours.push([]);
  (function () {  // undirected, each pair once: the links between existing notes
    var mark = new Int32Array(N).fill(-1), outs = [], ins = [], a, k, b;
    for (a = 0; a < N; a++) { outs.push([]); ins.push([]); }
    for (a = 0; a < N; a++) {
      if (!exists(a)) continue;
      var out = D.outgoing[a];
      for (k = 0; k < out.length; k += W) {
        b = out[k];
        if (b === a || !exists(b) || mark[b] === a) continue;
        mark[b] = a; outs[a].push(b); ins[b].push(a);
      }
    }
    mark.fill(-1);
    for (a = 0; a < N; a++) {
      var both = outs[a].concat(ins[a]);
      for (k = 0; k < both.length; k++) if (mark[both[k]] !== a) { mark[both[k]] = a; neighbours[a].push(both[k]); }
    }
  })();
  var PALETTE = ["#6d28d9", "#0891b2", "#ea580c", "#16a34a", "#db2777", "#ca8a04", "#2563eb", "#dc2626", "#92400e", "#475569", "#65a30d", "#c2410c"];
  var groupOf = [], groupNames = [], groupCount = {};
  for (n = 0; n < N; n++) {
    var folder = S[D.folder[n]], top = folder ? folder.split("/")[0] : "(top level)";
    groupOf.push(top); groupCount[top] = (groupCount[top] || 0) + (exists(n) ? 1 : 0);
  }
  groupNames = Object.keys(groupCount).filter(function (g) { return groupCount[g]; })
    .sort(function (a, b) { return groupCount[b] - groupCount[a] || (a < b ? -1 : 1); });
  var colourOf = {};
  groupNames.forEach(function (g, k) { colourOf[g] = k < PALETTE.length - 1 ? PALETTE[k] : "#9ca3af"; });
  function option(select, value, label) { select.appendChild(el("option", { value: value, text: label })); }
  option(filters.folder, "", "all"); groupNames.forEach(function (g) { option(filters.folder, g, g); });
  option(filters.tag, "", "all"); D.tags.forEach(function (row, k) { option(filters.tag, String(k), "#" + S[row[0]]); });
  option(filters.role, "", "all"); D.roles.forEach(function (r, k) { option(filters.role, String(k), r); });
  var tagged = null;
  function passes(i) {
    if (!exists(i)) return false;
    if (filters.folder.value && groupOf[i] !== filters.folder.value) return false;
    if (filters.role.value && D.role[i] !== Number(filters.role.value)) return false;
    if (filters.orphans.checked && !neighbours[i].length) return false;
    if (filters.tag.value) {
      if (!tagged) { tagged = {}; D.tags[Number(filters.tag.value)][2].forEach(function (m) { tagged[m] = true; }); }
      if (!tagged[i]) return false;
    }
    return true;
  }
  var renderer = null, layout = null, drawnFocus = null;
  // Labels only where they have room: the most linked notes first (the open note before all),
  // each label drawn only if its box (dot and text) overlaps no label already placed, and at
  // most one label for every LABEL_AREA square pixels of the view -- so zooming in gives room
  // to more.  Placed again whenever the camera moves and while the layout runs.
  var LABEL_AREA = 14000, measure = document.createElement("canvas").getContext("2d"), labelWidth = {};
  var labelsPlaced = [];
  function placeLabels(graph, byDegree) {
    if (!renderer || renderer.getGraph() !== graph) return;
    var size = renderer.getDimensions(), most = Math.max(3, Math.floor(size.width * size.height / LABEL_AREA));
    var placed = [], shown = {}, taken = [];  // taken: the boxes of the labels and of the big dots
    measure.font = "12px sans-serif";
    byDegree.forEach(function (i) {
      var a = graph.getNodeAttributes(String(i)), r = renderer.scaleSize(a.size);
      if (r < 7) return;
      var p = renderer.graphToViewport(a);
      taken.push([p.x - r, p.y - r, p.x + r, p.y + r, i]);
    });
    for (var k = 0; k < byDegree.length && placed.length < most; k++) {
      var i = byDegree[k], a = graph.getNodeAttributes(String(i)), p = renderer.graphToViewport(a);
      var r = renderer.scaleSize(a.size), w = labelWidth[i];
      if (w === undefined) w = labelWidth[i] = measure.measureText(a.label).width;
      // Right of the dot, else left of it: the whole box inside the view, over no other label.
      var sides = [["right", [p.x - r - 2, p.y - 9, p.x + r + 5 + w, p.y + 9]],
                   ["left", [p.x - r - 5 - w, p.y - 9, p.x + r + 2, p.y + 9]]];
      for (var m = 0; m < sides.length; m++) {
        var box = sides[m][1], free = box[0] >= 0 && box[2] <= size.width && box[1] >= 0 && box[3] <= size.height;
        for (var j = 0; j < taken.length && free; j++) {
          var o = taken[j];
          free = o[4] === i || box[2] <= o[0] || o[2] <= box[0] || box[3] <= o[1] || o[3] <= box[1];
        }
        if (free) {
          placed.push({ node: i, label: a.label, box: box, side: sides[m][0] }); shown[i] = sides[m][0];
          taken.push(box.concat([i])); break;
        }
      }
    }
    labelsPlaced = placed;
    graph.forEachNode(function (key, a) {
      var side = shown[key] || false;
      if (side !== a.labelShown) graph.mergeNodeAttributes(key, { labelShown: side, labelSide: side || a.labelSide });
    });
    panel.setAttribute("data-labels", String(placed.length));
  }
  // For tests and the curious: what the graph shows (window.vaultgraphReport in the console).
  window.vaultgraphReport = {
    renderer: function () { return renderer; },
    labels: function () { return labelsPlaced.map(function (p) { return { node: p.node, label: p.label, box: p.box.slice(), side: p.side }; }); }
  };
  function random(seed) {  // deterministic positions: the same report draws the same graph
    return function () { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  }
  function choose(focus, depth) {
    var chosen, leftOut = 0, limit;
    if (focus < 0) {
      chosen = [];
      for (var i = 0; i < N; i++) if (passes(i)) chosen.push(i);
      limit = D.limits.graph;
      if (chosen.length > limit) {
        chosen.sort(function (a, b) { return neighbours[b].length - neighbours[a].length || a - b; });
        leftOut = chosen.length - limit; chosen = chosen.slice(0, limit);
      }
    } else {  // breadth first: the nearest first, and among them the most linked
      var seen = {}; seen[focus] = true; chosen = [focus];
      limit = D.limits.neighbourhood;
      var frontier = [focus], reached = 1;
      for (var step = 0; step < depth; step++) {
        var next = [];
        frontier.forEach(function (m) {
          neighbours[m].forEach(function (o) { if (!seen[o] && passes(o)) { seen[o] = true; next.push(o); } });
        });
        reached += next.length;
        next.sort(function (a, b) { return neighbours[b].length - neighbours[a].length || a - b; });
        next.forEach(function (o) { if (chosen.length < limit) chosen.push(o); });
        frontier = next;
      }
      leftOut = reached - chosen.length;
    }
    return { nodes: chosen, leftOut: leftOut, focus: focus };
  }
  function draw(focus) {
    var depth = Number(depthSelect.value), pick = choose(focus, depth);
    if (layout) { layout.kill(); layout = null; }
    if (renderer) { renderer.kill(); renderer = null; }
    var graph = new V.Graph({ type: "undirected", multi: false, allowSelfLoops: false });
    var inView = {}, rand = random(pick.nodes.length + 7), groupsShown = {};
    var centres = {};
    groupNames.forEach(function (g, k) {
      var angle = 2 * Math.PI * k / groupNames.length;
      centres[g] = [Math.cos(angle) * 100, Math.sin(angle) * 100];
    });
    pick.nodes.forEach(function (i) {
      var centre = focus >= 0 ? [0, 0] : centres[groupOf[i]], degree = neighbours[i].length;
      inView[i] = true; groupsShown[groupOf[i]] = (groupsShown[groupOf[i]] || 0) + 1;
      graph.addNode(String(i), { label: D.title[i], x: centre[0] + (rand() - 0.5) * 60, y: centre[1] + (rand() - 0.5) * 60,
        size: (i === focus ? 6 : 2) + Math.min(12, Math.sqrt(degree) * 1.4),
        color: i === focus ? "#111827" : colourOf[groupOf[i]], labelShown: false });
    });
    var edges = 0;
    pick.nodes.forEach(function (i) {
      neighbours[i].forEach(function (m) {
        if (m > i && inView[m]) { graph.addEdge(String(i), String(m), { color: "#e4e4e7", size: 0.5 }); edges++; }
      });
    });
    graphTitle.textContent = focus < 0 ? "Whole vault" : "Around " + D.title[focus] + " (depth " + depth + ")";
    graphNote.textContent = pick.nodes.length + " notes, " + edges + " links shown" +
      (pick.leftOut ? "; " + pick.leftOut + " notes left out (the " + (focus < 0 ? "most linked are shown" : "nearest and most linked are shown") + ")" : "") + ".";
    legend.textContent = "";
    Object.keys(groupsShown).sort(function (a, b) { return groupsShown[b] - groupsShown[a]; }).slice(0, 12).forEach(function (g) {
      var swatch = el("span", { cls: "swatch" }); swatch.style.background = colourOf[g];
      legend.appendChild(el("li", null, [swatch, g + " (" + groupsShown[g] + ")"]));
    });
    panel.setAttribute("data-drawn-nodes", String(pick.nodes.length));
    panel.setAttribute("data-drawn-edges", String(edges));
    panel.setAttribute("data-left-out", String(pick.leftOut));
    panel.setAttribute("data-focus", String(focus));
    drawnFocus = focus;
    var settings = V.forceAtlas2.inferSettings(graph);
    settings.barnesHutOptimize = graph.order > 200;
    if (graph.order <= 400) {
      V.forceAtlas2.assign(graph, { iterations: 100, settings: settings });
      // Node sizes are in graph units: spread the layout so that a few nodes do not fill it.
      var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
      graph.forEachNode(function (key, a) {
        minX = Math.min(minX, a.x); maxX = Math.max(maxX, a.x); minY = Math.min(minY, a.y); maxY = Math.max(maxY, a.y);
      });
      var scale = (60 * Math.sqrt(graph.order) + 60) / Math.max(maxX - minX, maxY - minY, 1e-9);
      graph.forEachNode(function (key, a) { graph.mergeNodeAttributes(key, { x: a.x * scale, y: a.y * scale }); });
      panel.setAttribute("data-layout", "settled");
    }
    var place = function () {};
    try {
      renderer = new V.Sigma(graph, panel, { labelRenderedSizeThreshold: 6, labelDensity: 0.7,
        labelGridCellSize: 110, defaultEdgeColor: "#e4e4e7", zIndex: true, minCameraRatio: 0.05, maxCameraRatio: 4,
        styles: { nodes: [V.DEFAULT_STYLES.nodes, { labelVisibility: { whenState: "isHovered", then: "visible",
          else: function (attributes) { return attributes.labelShown ? "visible" : "hidden"; } },
          labelPosition: function (attributes) { return attributes.labelSide || "right"; } }],
        edges: [V.DEFAULT_STYLES.edges] } });
      renderer.on("clickNode", function (event) { location.hash = noteHash(Number(event.node)); });
      var byDegree = pick.nodes.slice().sort(function (a, b) {
        return (b === focus) - (a === focus) || neighbours[b].length - neighbours[a].length || a - b; });
      place = function () { placeLabels(graph, byDegree); };
      renderer.getCamera().on("updated", function () { window.requestAnimationFrame(place); });
      place();
      renderer.on("enterNode", function () { panel.style.cursor = "pointer"; });
      renderer.on("leaveNode", function () { panel.style.cursor = ""; });
      panel.removeAttribute("data-error");
    } catch (error) {  // no WebGL: say so, keep the rest of the page working
      panel.textContent = "";
      panel.appendChild(el("p", { cls: "muted", text: "The graph needs WebGL, which this browser does not offer (" + error.message + ")." }));
      panel.setAttribute("data-error", "webgl");
    }
    if (graph.order > 400) {  // ForceAtlas2 in a web worker, stopped once it has settled
      panel.setAttribute("data-layout", "running");
      try {
        layout = new V.FA2Layout(graph, { settings: settings });
        layout.start();
        var running = layout, placing = setInterval(function () {
          if (layout === running) place(); else clearInterval(placing);
        }, 500);
        setTimeout(function () {
          clearInterval(placing);
          if (layout === running) {
            layout.stop(); place();
            // and again once sigma has drawn the last positions (on a busy machine that
            // frame can come later: the labels were placed against the view before it)
            if (renderer && renderer.getGraph() === graph) renderer.once("afterRender", place);
            panel.setAttribute("data-layout", "settled");
          }
        }, Math.min(15000, 2000 + graph.order * 2));
      } catch (error) {
        V.forceAtlas2.assign(graph, { iterations: 60, settings: settings });
        place();
        panel.setAttribute("data-layout", "settled");
      }
    }
  }
  function refilter() { tagged = null; draw(drawnFocus === null ? -1 : drawnFocus); }
  [filters.folder, filters.tag, filters.role, filters.orphans].forEach(function (f) { f.addEventListener("change", refilter); });
  depthSelect.addEventListener("change", function () { draw(drawnFocus === null ? -1 : drawnFocus); });
  document.getElementById("graph-all").addEventListener("click", function () { draw(-1); });

  // ---- where the URL hash points ---------------------------------------------------------------
  function follow() {
    var began = performance.now(), hash = location.hash.slice(1), i = -1;
    if (hash.charAt(0) === "/") {
      var path = null;
      try { path = decodeURIComponent(hash.slice(1)); } catch (error) { path = null; }
      if (path !== null && path in byPath) i = byPath[path];
    }
    current = i;
    if (i >= 0) { showNote(i); later(i); }
    else {
      if (hash === "tags") { view.textContent = ""; showTags(null); }
      else if (hash.lastIndexOf("tag/", 0) === 0) { view.textContent = ""; showTags(decodeURIComponent(hash.slice(4))); }
      else if (hash === "wanted") { view.textContent = ""; showWanted(); }
      else if (hash === "broken") { view.textContent = ""; showBroken(); }
      else showOverview();
      if (drawnFocus !== -1) later(-1);
    }
    drawList();
    window.scrollTo(0, 0);
    document.body.setAttribute("data-shown-ms", String(Math.round(performance.now() - began)));
  }
  window.addEventListener("hashchange", follow);
  window.addEventListener("resize", drawList);

  // The graph after the page is usable: drawing it never delays the first interaction.
  var pending = null, loaded = false;
  function later(focus) {
    drawnFocus = focus;
    if (!loaded) return;  // drawn once the page has loaded (below)
    if (pending !== null) clearTimeout(pending);
    pending = setTimeout(function () {
      pending = null;
      draw(focus);
      document.body.setAttribute("data-graph-ready", String(Math.round(performance.now())));
    }, 0);
  }

  filter();
  follow();
  document.body.setAttribute("data-ready", String(Math.round(performance.now())));
  document.addEventListener("DOMContentLoaded", function () {
    setTimeout(function () { loaded = true; later(drawnFocus); }, 50);
  });
})();
