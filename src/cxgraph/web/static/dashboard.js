// cxgraph dashboard: reads the served model through the public SPARQL endpoint only, with
// the saved report queries the server embeds in the page. No other origin is contacted.
(function () {
  "use strict";
  const saved = JSON.parse(document.getElementById("saved-queries").textContent);
  const SEVERITIES = ["error", "warning", "info"];
  const MARK = { error: "✖", warning: "▲", info: "●" };
  // The chain's fixed layers, left to right; each kind has a colour and a shape.
  const LAYERS = [
    { kind: "Brand", label: "Brand", colour: "#6c3483", shape: "star", glyph: "★" },
    { kind: "BrandPromise", label: "Brand promise", colour: "#8e44ad", shape: "diamond", glyph: "◆" },
    { kind: "ValueProposition", label: "Value proposition", colour: "#2874a6", shape: "round-rectangle", glyph: "▬" },
    { kind: "Persona", label: "Persona", colour: "#16a085", shape: "ellipse", glyph: "●" },
    { kind: "Need", label: "Need", colour: "#b9770e", shape: "triangle", glyph: "▲" },
    { kind: "Offering", label: "Offering", colour: "#5d6d7e", shape: "rectangle", glyph: "■" },
    { kind: "Process", label: "End-to-end process", colour: "#1d2433", shape: "hexagon", glyph: "⬢" },
    { kind: "MomentOfTruth", label: "Moment of truth", colour: "#117a65", shape: "vee", glyph: "▼" },
    { kind: "Experience", label: "Experience", colour: "#a04000", shape: "pentagon", glyph: "⬟" },
  ];
  const LAYER_INDEX = {};
  LAYERS.forEach(function (l, i) { LAYER_INDEX[l.kind] = i; });

  async function select(id) {
    const body = new URLSearchParams({ query: saved[id] });
    const response = await fetch("/sparql", {
      method: "POST",
      headers: { "Accept": "application/sparql-results+json",
                 "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
    });
    if (!response.ok) { throw new Error(id + ": HTTP " + response.status); }
    const json = await response.json();
    return json.results.bindings.map(function (b) {
      const row = {};
      for (const k in b) { row[k] = b[k].value; }
      return row;
    });
  }

  // -- small helpers ----------------------------------------------------------------------
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const k in (attrs || {})) { node.setAttribute(k, attrs[k]); }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  const labels = {};
  function remember(iri, label) { if (iri && label && !labels[iri]) { labels[iri] = label; } }
  function localName(iri) {
    const m = /[#/]([^#/]+)$/.exec(iri);
    return m ? m[1] : iri;
  }
  function nameOf(iri) { return labels[iri] || localName(iri); }
  // An entity's page: the document its IRI is served from, naming the one resource.
  function entityHref(iri) {
    try {
      const u = new URL(iri);
      if (u.protocol !== "http:" && u.protocol !== "https:") { return null; }
      return u.pathname + "?iri=" + encodeURIComponent(iri);
    } catch (e) { return null; }
  }
  function entityLink(iri, label) {
    const href = entityHref(iri);
    const text = label || nameOf(iri);
    if (!href) { return el("span", { title: iri }, text); }
    return el("a", { href: href, title: iri }, text);
  }
  function sevBadge(severity) {
    return el("span", { class: "sev " + severity }, MARK[severity] + " " + severity);
  }
  function byName(a, b) { return nameOf(a).localeCompare(nameOf(b)); }

  // -- the chain graph and what each brand, persona or process reaches -------------------
  const chain = { nodes: {}, out: {}, into: {} };
  function buildChain(edges) {
    edges.forEach(function (e) {
      remember(e.source, e.sourceLabel); remember(e.target, e.targetLabel);
      chain.nodes[e.source] = chain.nodes[e.source] || e.sourceKind;
      chain.nodes[e.target] = chain.nodes[e.target] || e.targetKind;
      (chain.out[e.source] = chain.out[e.source] || []).push({ node: e.target, relation: e.relation });
      (chain.into[e.target] = chain.into[e.target] || []).push({ node: e.source, relation: e.relation });
    });
  }
  function walk(start, links) {
    const seen = new Set([start]), todo = [start];
    while (todo.length) {
      const n = todo.pop();
      (links[n] || []).forEach(function (l) {
        if (!seen.has(l.node)) { seen.add(l.node); todo.push(l.node); }
      });
    }
    return seen;
  }
  // Everything upstream and downstream of a chain node: its slice of the chain.
  function slice(iri) {
    const up = walk(iri, chain.into), down = walk(iri, chain.out);
    down.forEach(function (n) { up.add(n); });
    return up;
  }
  // The slice plus what belongs to its end-to-end processes (steps, metrics, rules).
  const members = {};
  function scope(iri) {
    const s = slice(iri);
    Array.from(s).forEach(function (n) {
      (members[n] || []).forEach(function (m) { s.add(m); });
    });
    return s;
  }

  // -- filters -------------------------------------------------------------------------------
  const filterIds = ["brand-filter", "persona-filter", "process-filter"];
  let active = null; // null: no filter; otherwise the intersection of the chosen scopes
  function computeActive() {
    active = null;
    filterIds.forEach(function (id) {
      const value = document.getElementById(id).value;
      if (!value) { return; }
      const s = scope(value);
      if (active === null) { active = s; return; }
      active = new Set(Array.from(active).filter(function (n) { return s.has(n); }));
    });
  }
  function inScope(iris) {
    if (active === null) { return true; }
    return iris.some(function (i) { return active.has(i); });
  }
  function fillFilter(id, iris) {
    const box = document.getElementById(id);
    iris.slice().sort(byName).forEach(function (n) { box.append(el("option", { value: n }, nameOf(n))); });
  }
  function ofKind(kind) {
    return Object.keys(chain.nodes).filter(function (n) { return chain.nodes[n] === kind; });
  }

  // -- summary cards --------------------------------------------------------------------------
  const SUMMARY_ORDER = ["Brand", "BrandPromise", "ValueProposition", "Persona", "Need",
    "SuccessfulCustomerOutcome", "Offering", "Process", "Activity", "MomentOfTruth", "Experience",
    "Journey", "Party", "ServiceLevelAgreement", "Metric"];
  function cards(summary, findings) {
    const sevBox = document.getElementById("severity-cards");
    SEVERITIES.forEach(function (s) {
      const n = findings.filter(function (f) { return f.severity === s; }).length;
      const card = el("button", { type: "button", class: "card " + s, "data-severity": s,
                                  "aria-label": n + " " + s + " findings: show only these" });
      card.append(el("div", { class: "n" }, MARK[s] + " " + n), el("div", {}, s + " findings"));
      card.addEventListener("click", function () {
        document.getElementById("severity-filter").value = s;
        renderFindings();
        document.getElementById("findings-title").scrollIntoView();
      });
      sevBox.append(card);
    });
    const box = document.getElementById("cards");
    summary.sort(function (a, b) {
      return SUMMARY_ORDER.indexOf(localName(a.class)) - SUMMARY_ORDER.indexOf(localName(b.class));
    }).forEach(function (r) {
      const card = el("div", { class: "card" });
      card.append(el("div", { class: "n" }, r.count), el("div", {}, r.classLabel || localName(r.class)));
      box.append(card);
    });
  }

  // -- findings, grouped by rule, errors first -----------------------------------------------
  let findings = [];
  const PAGE = 10;
  function findingIris(f) { return [f.focus].concat(f.evidence ? f.evidence.split(" ") : []); }
  function renderFindings() {
    const sev = document.getElementById("severity-filter").value;
    const rule = document.getElementById("rule-filter").value;
    const text = document.getElementById("text-filter").value.toLowerCase();
    const box = document.getElementById("findings");
    const open = {};
    box.querySelectorAll("details[data-rule]").forEach(function (d) { open[d.dataset.rule] = d.open; });
    box.replaceChildren();
    const groups = {};
    let shown = 0;
    findings.forEach(function (f) {
      if (sev && f.severity !== sev) { return; }
      if (rule && f.rule !== rule) { return; }
      if (text && (f.message + " " + nameOf(f.focus) + " " + f.focus).toLowerCase().indexOf(text) < 0) { return; }
      if (!inScope(findingIris(f))) { return; }
      (groups[f.rule] = groups[f.rule] || []).push(f);
      shown += 1;
    });
    const order = Object.keys(groups).sort(function (a, b) {
      const sa = SEVERITIES.indexOf(groups[a][0].severity), sb = SEVERITIES.indexOf(groups[b][0].severity);
      return sa - sb || groups[b].length - groups[a].length || a.localeCompare(b);
    });
    order.forEach(function (r) {
      const rows = groups[r], severity = rows[0].severity;
      const details = el("details", { "data-rule": r, "data-severity": severity, class: "group " + severity });
      details.open = r in open ? open[r] : severity === "error";
      const summary = el("summary");
      summary.append(sevBadge(severity), el("strong", { class: "rule" }, r),
                     el("span", { class: "count" }, rows.length + (rows.length === 1 ? " finding" : " findings")));
      details.append(summary);
      const table = el("table", { class: "findings" });
      const head = el("tr");
      ["focus", "message", "evidence"].forEach(function (h) { head.append(el("th", { scope: "col" }, h)); });
      table.append(el("thead")); table.tHead.append(head);
      const tbody = el("tbody");
      table.append(tbody);
      function addRows(from, to) {
        rows.slice(from, to).forEach(function (f) {
          const tr = el("tr", { "data-rule": f.rule, "data-severity": f.severity });
          const focus = el("td"); focus.append(entityLink(f.focus));
          const evidence = el("td", { class: "evidence" });
          (f.evidence ? f.evidence.split(" ") : []).filter(function (e) { return e !== f.focus; })
            .slice(0, 6).forEach(function (e, i) {
              if (i) { evidence.append(", "); }
              evidence.append(entityLink(e));
            });
          tr.append(focus, el("td", {}, f.message), evidence);
          tbody.append(tr);
        });
      }
      addRows(0, PAGE);
      details.append(table);
      if (rows.length > PAGE) {
        const more = el("button", { type: "button", class: "more" }, "Show all " + rows.length);
        more.addEventListener("click", function () { addRows(PAGE, rows.length); more.remove(); });
        details.append(more);
      }
      box.append(details);
    });
    const total = findings.length;
    document.getElementById("findings-count").textContent =
      shown + " of " + total + " findings in " + order.length + " rules";
  }
  function setupFindings() {
    const ruleSelect = document.getElementById("rule-filter");
    Array.from(new Set(findings.map(function (f) { return f.rule; }))).sort().forEach(function (r) {
      ruleSelect.append(el("option", {}, r));
    });
    findings.sort(function (a, b) {
      return SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
        a.rule.localeCompare(b.rule) || nameOf(a.focus).localeCompare(nameOf(b.focus));
    });
    ["severity-filter", "rule-filter", "text-filter"].forEach(function (id) {
      document.getElementById(id).addEventListener("input", renderFindings);
    });
    document.getElementById("expand-all").addEventListener("click", function () {
      document.querySelectorAll("#findings details").forEach(function (d) { d.open = true; });
    });
    document.getElementById("collapse-all").addEventListener("click", function () {
      document.querySelectorAll("#findings details").forEach(function (d) { d.open = false; });
    });
  }
  function gapsOn(iris) {
    const set = new Set(iris);
    return findings.filter(function (f) { return set.has(f.focus); });
  }

  // -- the detail panel (what is behind a heat-map cell or a chain node) ---------------------
  // The panel opens right after what was selected: the heat map's table or the chain.
  function showDetail(title, parts, iris, near) {
    const panel = document.getElementById("detail");
    const anchor = near || (document.activeElement && document.activeElement.closest(".scroll")) ||
      document.getElementById("promise-heatmap");
    if (anchor.nextElementSibling !== panel) { anchor.after(panel); }
    const body = document.getElementById("detail-body");
    document.getElementById("detail-title").textContent = title;
    body.replaceChildren();
    parts.forEach(function (p) {
      body.append(el("h3", {}, p.title + " (" + p.items.length + ")"));
      const ul = el("ul");
      if (!p.items.length) { ul.append(el("li", { class: "hint" }, "none")); }
      p.items.forEach(function (item) {
        const li = el("li");
        li.append(entityLink(item.iri));
        if (item.note) { li.append(" — " + item.note); }
        ul.append(li);
      });
      body.append(ul);
    });
    const gaps = gapsOn(iris);
    body.append(el("h3", {}, "Gaps (" + gaps.length + ")"));
    const ul = el("ul", { class: "gaps" });
    if (!gaps.length) { ul.append(el("li", { class: "hint" }, "none")); }
    gaps.forEach(function (f) {
      const li = el("li", { class: f.severity });
      li.append(sevBadge(f.severity), " ", el("strong", {}, f.rule), " on ", entityLink(f.focus), ": " + f.message);
      ul.append(li);
    });
    body.append(ul);
    panel.hidden = false;
    document.getElementById("detail-title").focus({ preventScroll: true });
    panel.scrollIntoView({ block: "nearest" });
  }
  function cellButton(text, tooltip, onClick) {
    const b = el("button", { type: "button", class: "cell-button", title: tooltip, "aria-label": tooltip }, text);
    b.addEventListener("click", onClick);
    return b;
  }

  // -- heat map: personas × end-to-end processes ----------------------------------------------
  const personaNeeds = {}, needMetBy = {}, processes = {};
  function setupPersonaProcess(rows) {
    rows.forEach(function (r) {
      remember(r.persona, r.personaLabel); remember(r.need, r.needLabel); remember(r.process, r.processLabel);
      if (r.process) { processes[r.process] = true; }
      if (r.persona) {
        personaNeeds[r.persona] = personaNeeds[r.persona] || new Set();
        if (r.need) {
          personaNeeds[r.persona].add(r.need);
          needMetBy[r.need] = needMetBy[r.need] || new Set();
          if (r.process) { needMetBy[r.need].add(r.process); }
        }
      }
    });
  }
  function renderPersonaProcess() {
    const box = document.getElementById("heatmap");
    box.replaceChildren();
    const personas = Object.keys(personaNeeds).filter(function (p) { return inScope([p]); }).sort(byName);
    const meetsAny = {};
    Object.keys(needMetBy).forEach(function (n) { needMetBy[n].forEach(function (p) { meetsAny[p] = true; }); });
    const cols = Object.keys(processes).filter(function (p) { return inScope([p]); }).sort(function (a, b) {
      return (meetsAny[b] ? 1 : 0) - (meetsAny[a] ? 1 : 0) || byName(a, b);
    });
    const table = el("table", { class: "heat", id: "persona-process" });
    table.append(el("caption", {}, "Needs met per persona and end-to-end process"));
    const head = el("tr");
    head.append(el("th", { scope: "col" }, "persona \\ process"));
    cols.forEach(function (p) {
      const th = el("th", { scope: "col", class: "col" + (meetsAny[p] ? "" : " inside-out"), "data-iri": p });
      th.append(entityLink(p));
      if (!meetsAny[p]) { th.append(el("span", { class: "tag" }, " (inside-out)")); }
      head.append(th);
    });
    head.append(el("th", { scope: "col", class: "col unmet-col" }, "needs unmet"));
    table.append(head);
    personas.forEach(function (persona) {
      const needs = Array.from(personaNeeds[persona]);
      const tr = el("tr", { "data-iri": persona });
      const th = el("th", { scope: "row" }); th.append(entityLink(persona));
      th.append(el("span", { class: "tag" }, " " + needs.length + (needs.length === 1 ? " need" : " needs")));
      tr.append(th);
      cols.forEach(function (p) {
        const met = needs.filter(function (n) { return needMetBy[n].has(p); });
        const td = el("td", { class: "cell", "data-count": String(met.length), "data-process": p });
        const tip = nameOf(persona) + " × " + nameOf(p) + ": " + met.length + " of " + needs.length +
          " needs met" + (met.length ? " (" + met.map(nameOf).join("; ") + ")" : "");
        td.append(cellButton(met.length ? String(met.length) : "·", tip, function () {
          showDetail(nameOf(persona) + " × " + nameOf(p), [
            { title: "Needs this process meets", items: met.map(function (n) { return { iri: n }; }) },
            { title: "Needs of the persona it does not meet", items: needs.filter(function (n) {
              return met.indexOf(n) < 0; }).map(function (n) {
              return { iri: n, note: needMetBy[n].size ? "met by " + Array.from(needMetBy[n]).map(nameOf).join(", ") : "met by no process" };
            }) },
          ], [persona, p].concat(needs));
        }));
        if (met.length) {
          const share = met.length / Math.max(1, needs.length);
          td.style.background = "rgba(75, 63, 191, " + (0.12 + 0.78 * share).toFixed(2) + ")";
          if (share > 0.5) { td.classList.add("dark"); }
        }
        tr.append(td);
      });
      const unmet = needs.filter(function (n) { return !needMetBy[n].size; });
      const td = el("td", { class: "cell unmet" + (unmet.length ? " bad" : ""), "data-count": String(unmet.length) });
      const tip = nameOf(persona) + ": " + unmet.length + " of " + needs.length + " needs met by no process" +
        (unmet.length ? " (" + unmet.map(nameOf).join("; ") + ")" : "");
      td.append(cellButton(unmet.length ? "✗ " + unmet.length : "✓ 0", tip, function () {
        showDetail(nameOf(persona) + ": needs no process meets", [
          { title: "Unmet needs", items: unmet.map(function (n) { return { iri: n }; }) },
        ], [persona].concat(unmet));
      }));
      tr.append(td);
      table.append(tr);
    });
    if (!personas.length) { box.append(el("p", { class: "hint" }, "No persona in the current filter.")); return; }
    box.append(table);
  }

  // -- heat map: brand promises × experiences (by persona) ------------------------------------
  let promiseRows = [];
  function renderPromiseExperience() {
    const box = document.getElementById("promise-heatmap");
    box.replaceChildren();
    const promises = {}, personas = {}, cells = {};
    promiseRows.forEach(function (r) {
      remember(r.promise, r.promiseLabel); remember(r.experience, r.experienceLabel);
      remember(r.persona, r.personaLabel); remember(r.moment, r.momentLabel);
      if (!inScope([r.promise, r.experience, r.persona, r.moment].filter(Boolean))) { return; }
      promises[r.promise] = r.minimum;
      if (!r.experience) { return; }
      const who = r.persona || "";
      personas[who] = true;
      const key = r.promise + " " + who;
      (cells[key] = cells[key] || []).push(r);
    });
    const rows = Object.keys(promises).sort(byName);
    if (!rows.length) { box.append(el("p", { class: "hint" }, "No brand promise in the current filter.")); return; }
    const cols = Object.keys(personas).sort(byName);
    const table = el("table", { class: "heat", id: "promise-experience" });
    table.append(el("caption", {}, "Lowest experience score against each promise's minimum"));
    const head = el("tr");
    head.append(el("th", { scope: "col" }, "brand promise (minimum) \\ persona"));
    cols.forEach(function (p) {
      const th = el("th", { scope: "col", class: "col" });
      if (p) { th.append(entityLink(p)); } else { th.append("no persona"); }
      head.append(th);
    });
    table.append(head);
    rows.forEach(function (promise) {
      const minimum = promises[promise];
      const tr = el("tr", { "data-iri": promise });
      const th = el("th", { scope: "row" }); th.append(entityLink(promise));
      th.append(el("span", { class: "tag" }, " (min " + (minimum || "?") + ")"));
      tr.append(th);
      const realised = cols.some(function (p) { return cells[promise + " " + p]; });
      cols.forEach(function (p, i) {
        const list = cells[promise + " " + p] || [];
        const td = el("td", { class: "cell", "data-count": String(list.length) });
        if (!list.length) {
          if (!realised && i === 0) {
            td.classList.add("bad");
            td.append(cellButton("✗ none", nameOf(promise) + ": no experience realises this promise", function () {
              showDetail(nameOf(promise) + ": no experience", [], [promise]);
            }));
          }
          tr.append(td);
          return;
        }
        const scores = list.filter(function (r) { return r.score !== undefined; })
          .map(function (r) { return Number(r.score); });
        const low = scores.length ? Math.min.apply(null, scores) : null;
        const min = minimum !== undefined ? Number(minimum) : null;
        const below = list.filter(function (r) { return r.keeps === "false"; });
        const kept = low === null || min === null ? null : low >= min;
        const text = low === null ? "? " + list.length : (kept ? "✓ " : "✗ ") + low;
        const tip = nameOf(promise) + " × " + nameOf(p) + ": " + list.length + " experiences, lowest score " +
          (low === null ? "unknown" : low) + " against minimum " + (min === null ? "unknown" : min) +
          (below.length ? "; " + below.length + " below the minimum" : "");
        td.append(cellButton(text, tip, function () {
          showDetail(nameOf(promise) + " × " + nameOf(p), [
            { title: "Experiences (score against minimum " + (min === null ? "?" : min) + ")",
              items: list.map(function (r) {
                return { iri: r.experience, note: "score " + (r.score || "?") + (r.keeps === "false" ? " ✗ below" : r.keeps === "true" ? " ✓ kept" : "") +
                  (r.moment ? ", at " + nameOf(r.moment) : "") };
              }) },
          ], [promise, p].concat(list.map(function (r) { return r.experience; })));
        }));
        if (kept === false) { td.classList.add("bad"); }
        else if (kept === true) {
          const margin = Math.min(1, (low - min) / 2);
          td.style.background = "rgba(22, 160, 133, " + (0.2 + 0.6 * margin).toFixed(2) + ")";
        }
        tr.append(td);
      });
      table.append(tr);
    });
    box.append(table);
  }

  // -- the layered value chain ----------------------------------------------------------------
  let cy = null;
  const COL = 190, ROW = 36, LABEL_WIDTH = 150;
  function layerPositions(nodes, edges) {
    const layers = LAYERS.map(function () { return []; });
    nodes.forEach(function (n) { layers[LAYER_INDEX[chain.nodes[n]]].push(n); });
    layers.forEach(function (l) { l.sort(byName); });
    const pos = {};
    function index() { layers.forEach(function (l) { l.forEach(function (n, i) { pos[n] = i; }); }); }
    index();
    const neighbours = {};
    edges.forEach(function (e) {
      (neighbours[e.source] = neighbours[e.source] || []).push(e.target);
      (neighbours[e.target] = neighbours[e.target] || []).push(e.source);
    });
    function sweep(layer, ref) {
      const bary = {};
      layers[layer].forEach(function (n) {
        const ns = (neighbours[n] || []).filter(function (m) { return LAYER_INDEX[chain.nodes[m]] === ref; });
        bary[n] = ns.length ? ns.reduce(function (s, m) { return s + pos[m]; }, 0) / ns.length : pos[n];
      });
      layers[layer].sort(function (a, b) { return bary[a] - bary[b] || byName(a, b); });
      layers[layer].forEach(function (n, i) { pos[n] = i; });
    }
    for (let round = 0; round < 4; round += 1) {
      for (let l = 1; l < layers.length; l += 1) { sweep(l, l - 1); }
      for (let l = layers.length - 2; l >= 0; l -= 1) { sweep(l, l + 1); }
    }
    const used = layers.map(function (l) { return l.length > 0; });
    const xOf = {};
    let x = 0;
    LAYERS.forEach(function (l, i) { if (used[i]) { xOf[i] = x; x += COL; } });
    const height = Math.max.apply(null, layers.map(function (l) { return l.length; }));
    const out = {};
    layers.forEach(function (l, i) {
      const offset = (height - l.length) * ROW / 2;
      l.forEach(function (n, j) { out[n] = { x: xOf[i], y: 60 + offset + j * ROW }; });
    });
    return { positions: out, layers: layers, xOf: xOf, height: height };
  }
  function chainElements(focus) {
    const nodes = focus ? slice(focus) : new Set(Object.keys(chain.nodes));
    const edges = [];
    nodes.forEach(function (s) {
      (chain.out[s] || []).forEach(function (l) {
        if (nodes.has(l.node)) { edges.push({ source: s, target: l.node, relation: l.relation }); }
      });
    });
    return { nodes: Array.from(nodes), edges: edges };
  }
  function gapSet() { return new Set(findings.map(function (f) { return f.focus; })); }
  function renderChain() {
    const focus = document.getElementById("chain-focus").value;
    const part = chainElements(focus);
    const layout = layerPositions(part.nodes, part.edges);
    const gaps = gapSet();
    document.getElementById("chain-count").textContent =
      part.nodes.length + " nodes, " + part.edges.length + " links, " +
      part.nodes.filter(function (n) { return gaps.has(n); }).length + " with gaps";
    renderChainList(layout.layers, gaps);
    const container = document.getElementById("chain");
    if (typeof window.cytoscape !== "function") {
      container.replaceChildren(el("p", { class: "missing" },
        "The graph view needs the front-end libraries: run scripts/install-ui.sh (or pip install . with npm present). The chain is listed below."));
      document.getElementById("chain-list-box").open = true;
      return;
    }
    const elements = [];
    LAYERS.forEach(function (l, i) {
      if (layout.xOf[i] === undefined) { return; }
      elements.push({ group: "nodes", data: { id: "layer:" + l.kind, label: l.label, header: 1 },
                      position: { x: layout.xOf[i], y: 20 }, selectable: false, grabbable: false });
    });
    part.nodes.forEach(function (n) {
      const gap = gaps.has(n);
      elements.push({ group: "nodes", position: layout.positions[n],
        data: { id: n, label: (gap ? "⚠ " : "") + nameOf(n), kind: chain.nodes[n], gap: gap ? 1 : 0,
                focus: n === focus ? 1 : 0 } });
    });
    part.edges.forEach(function (e) {
      elements.push({ group: "edges", data: { id: e.source + "->" + e.target, source: e.source, target: e.target, label: e.relation } });
    });
    const style = [
      { selector: "node", style: { "label": "data(label)", "font-size": 12, "text-wrap": "ellipsis",
        "text-max-width": LABEL_WIDTH, "text-halign": "right", "text-valign": "center", "text-margin-x": 5,
        "width": 14, "height": 14, "color": "#1d2433", "border-width": 1, "border-color": "#fff" } },
      { selector: "node[header = 1]", style: { "shape": "rectangle", "width": 1, "height": 1, "background-opacity": 0,
        "border-width": 0, "font-weight": "bold", "font-size": 12, "text-halign": "right", "color": "#5b6475" } },
      { selector: "node[gap = 1]", style: { "border-width": 3, "border-color": "#c0392b", "border-style": "double",
        "color": "#a93226", "font-weight": "bold" } },
      { selector: "node[focus = 1]", style: { "underlay-color": "#4b3fbf", "underlay-opacity": 0.25, "underlay-padding": 6 } },
      { selector: "node:selected", style: { "overlay-color": "#4b3fbf", "overlay-opacity": 0.3 } },
      { selector: "edge", style: { "width": 1, "line-color": "#b5bccb", "target-arrow-shape": "triangle",
        "target-arrow-color": "#b5bccb", "curve-style": "straight", "arrow-scale": 0.6 } },
    ];
    LAYERS.forEach(function (l) {
      style.splice(1, 0, { selector: "node[kind = '" + l.kind + "']", style: { "background-color": l.colour, "shape": l.shape } });
    });
    if (cy) { cy.destroy(); }
    const width = container.clientWidth || 1000;
    const contentWidth = Object.keys(layout.xOf).length * COL + 20;
    const zoom = Math.max(0.72, Math.min(1.1, width / contentWidth));
    const contentHeight = (layout.height * ROW + 90) * zoom;
    container.style.height = Math.max(320, Math.min(900, contentHeight)) + "px";
    cy = window.cytoscape({
      container: container, elements: elements, layout: { name: "preset", fit: false },
      style: style, minZoom: 0.3, maxZoom: 2.5, autoungrabify: true, wheelSensitivity: 0.3,
    });
    cy.zoom(zoom);
    cy.pan({ x: 20 * zoom, y: 0 });
    cy.on("tap", "node[!header]", function (evt) { nodeDetail(evt.target.id()); });
    // The full label on hover (labels on the canvas are cut to the column's width).
    cy.on("mouseover", "node[!header]", function (evt) { container.title = nameOf(evt.target.id()); });
    cy.on("mouseout", "node", function () { container.title = ""; });
    window.cxChain = cy;
  }
  function nodeDetail(iri) {
    showDetail(nameOf(iri) + " (" + (LAYERS[LAYER_INDEX[chain.nodes[iri]]] || {}).label + ")", [
      { title: "Upstream in the chain", items: (chain.into[iri] || []).map(function (l) { return { iri: l.node, note: l.relation }; }) },
      { title: "Downstream in the chain", items: (chain.out[iri] || []).map(function (l) { return { iri: l.node, note: l.relation }; }) },
    ], [iri], document.getElementById("chain"));
  }
  function renderChainList(layers, gaps) {
    const box = document.getElementById("chain-list");
    box.replaceChildren();
    layers.forEach(function (l, i) {
      if (!l.length) { return; }
      box.append(el("h3", {}, LAYERS[i].glyph + " " + LAYERS[i].label + " (" + l.length + ")"));
      const ul = el("ul");
      l.slice().sort(byName).forEach(function (n) {
        const li = el("li");
        if (gaps.has(n)) { li.append(el("span", { class: "gap-mark" }, "⚠ gap: ")); }
        li.append(entityLink(n));
        const next = chain.out[n] || [];
        if (next.length) { li.append(" → " + next.map(function (x) { return nameOf(x.node); }).join(", ")); }
        ul.append(li);
      });
      box.append(ul);
    });
  }
  function setupChain() {
    const select = document.getElementById("chain-focus");
    select.append(el("option", { value: "" }, "the whole model"));
    [["Brand", "Brands"], ["Persona", "Personas"], ["Process", "End-to-end processes"]].forEach(function (g) {
      const group = el("optgroup", { label: g[1] });
      Object.keys(chain.nodes).filter(function (n) { return chain.nodes[n] === g[0]; }).sort(byName)
        .forEach(function (n) { group.append(el("option", { value: n }, nameOf(n))); });
      select.append(group);
    });
    const firstPersona = select.querySelector("optgroup[label='Personas'] option");
    if (firstPersona) { select.value = firstPersona.value; }
    select.addEventListener("change", renderChain);
    const legend = document.getElementById("chain-legend");
    LAYERS.forEach(function (l) {
      const li = el("li");
      li.append(el("span", { class: "swatch", style: "color:" + l.colour, "aria-hidden": "true" }, l.glyph), " " + l.label);
      legend.append(li);
    });
    const gapItem = el("li", { class: "gap-legend" });
    gapItem.append(el("span", { class: "swatch gap", "aria-hidden": "true" }, "⚠"), " has a gap: red double outline and ⚠ before the label");
    legend.append(gapItem);
  }

  // -- breakpoints ----------------------------------------------------------------------------
  function breakpoints(rows) {
    const tbody = document.querySelector("#breakpoints tbody");
    let unmanaged = 0;
    rows.forEach(function (r) {
      remember(r.from, r.fromLabel); remember(r.to, r.toLabel);
      const tr = el("tr", { "data-managed": r.managed });
      const from = el("td"); from.append(entityLink(r.from, r.fromLabel));
      const to = el("td"); to.append(entityLink(r.to, r.toLabel));
      tr.append(from, to, el("td", {}, (r.senderLabel || nameOf(r.sender)) + " → " + (r.receiverLabel || nameOf(r.receiver))));
      const managed = r.managed === "true";
      if (!managed) { unmanaged += 1; }
      tr.append(el("td", { class: managed ? "" : "missing" }, managed ? "✓ yes" : "✗ none"));
      tbody.append(tr);
    });
    document.getElementById("breakpoints-summary").textContent =
      rows.length + " hand-offs, " + unmanaged + " without a service level agreement (✗)";
  }

  function renderFiltered() {
    computeActive();
    renderFindings();
    renderPersonaProcess();
    renderPromiseExperience();
  }

  async function main() {
    try {
      const names = ["reports/summary", "reports/findings", "reports/persona-needs-by-process",
        "reports/promise-experience", "reports/value-chain", "reports/scope", "reports/breakpoints",
        "reports/focus-labels"];
      const results = await Promise.all(names.map(select));
      const [summary, found, needRows, promises, edges, scopeRows, handoffs, focusLabels] = results;
      focusLabels.forEach(function (r) { remember(r.focus, r.label); });
      buildChain(edges);
      scopeRows.forEach(function (r) { (members[r.process] = members[r.process] || []).push(r.member); });
      setupPersonaProcess(needRows);
      promiseRows = promises;
      findings = found;
      fillFilter("brand-filter", ofKind("Brand"));
      fillFilter("persona-filter", Object.keys(personaNeeds));  // every persona and
      fillFilter("process-filter", Object.keys(processes));     // every top-level process
      filterIds.forEach(function (id) { document.getElementById(id).addEventListener("change", renderFiltered); });
      document.getElementById("clear-filters").addEventListener("click", function () {
        filterIds.forEach(function (id) { document.getElementById(id).value = ""; });
        renderFiltered();
      });
      cards(summary, findings);
      setupFindings();
      breakpoints(handoffs);
      renderFiltered();
      setupChain();
      renderChain();
      document.body.setAttribute("data-ready", "true");
    } catch (error) {
      document.querySelector("main").prepend(el("p", { class: "missing", role: "alert" }, "Could not load the model: " + error.message));
      document.body.setAttribute("data-ready", "error");
    }
  }
  main();
})();
