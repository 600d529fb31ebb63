// cxgraph dashboard: reads the served model through the public SPARQL endpoint only.
(function () {
  "use strict";
  const saved = JSON.parse(document.getElementById("saved-queries").textContent);

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

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const k in (attrs || {})) { node.setAttribute(k, attrs[k]); }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function entityLink(iri, label) {
    let href = iri;
    try { const u = new URL(iri); href = u.pathname + u.search + u.hash; } catch (e) { /* keep */ }
    return el("a", { href: href, title: iri }, label || iri);
  }

  function cards(summary, findings) {
    const box = document.getElementById("cards");
    const sev = { error: 0, warning: 0, info: 0 };
    findings.forEach(function (f) { sev[f.severity] += 1; });
    ["error", "warning", "info"].forEach(function (s) {
      const card = el("div", { class: "card " + s, "data-severity": s });
      card.append(el("div", { class: "n" }, String(sev[s])), el("div", {}, s + " findings"));
      box.append(card);
    });
    summary.forEach(function (r) {
      const card = el("div", { class: "card" });
      card.append(el("div", { class: "n" }, r.count), el("div", {}, r.classLabel));
      box.append(card);
    });
  }

  function findingsTable(findings, labels) {
    const tbody = document.querySelector("#findings tbody");
    const ruleSelect = document.getElementById("rule-filter");
    Array.from(new Set(findings.map(function (f) { return f.rule; }))).sort().forEach(function (r) {
      ruleSelect.append(el("option", {}, r));
    });
    function render() {
      const sev = document.getElementById("severity-filter").value;
      const rule = ruleSelect.value;
      const text = document.getElementById("text-filter").value.toLowerCase();
      tbody.replaceChildren();
      let shown = 0;
      findings.forEach(function (f) {
        if (sev && f.severity !== sev) { return; }
        if (rule && f.rule !== rule) { return; }
        if (text && (f.message + " " + f.focus).toLowerCase().indexOf(text) < 0) { return; }
        const tr = el("tr", { "data-rule": f.rule });
        tr.append(el("td", { class: "sev " + f.severity }, f.severity), el("td", {}, f.rule));
        const focus = el("td"); focus.append(entityLink(f.focus, labels[f.focus]));
        tr.append(focus, el("td", {}, f.message));
        tbody.append(tr);
        shown += 1;
      });
      document.getElementById("findings-count").textContent = shown + " of " + findings.length;
    }
    ["severity-filter", "rule-filter", "text-filter"].forEach(function (id) {
      document.getElementById(id).addEventListener("input", render);
    });
    render();
  }

  function heatmap(cells) {
    const personas = {}, processes = {}, counts = {};
    cells.forEach(function (c) {
      personas[c.persona] = c.personaLabel || c.persona;
      if (c.process) {
        processes[c.process] = c.processLabel || c.process;
        counts[c.persona + " " + c.process] = Number(c.needsMet);
      }
    });
    const max = Math.max(1, ...Object.values(counts));
    const table = el("table");
    const head = el("tr"); head.append(el("th", {}, "persona \\ process"));
    const cols = Object.keys(processes).sort(function (a, b) { return processes[a].localeCompare(processes[b]); });
    cols.forEach(function (p) { head.append(el("th", { class: "col", title: p }, processes[p])); });
    table.append(head);
    Object.keys(personas).sort().forEach(function (persona) {
      const tr = el("tr");
      const th = el("th"); th.append(entityLink(persona, personas[persona])); tr.append(th);
      cols.forEach(function (p) {
        const n = counts[persona + " " + p] || 0;
        const td = el("td", { class: "cell", "data-count": String(n) }, n ? String(n) : "");
        if (n) { td.style.background = "rgba(75, 63, 191, " + (0.15 + 0.85 * n / max) + ")";
                 td.style.color = n / max > 0.5 ? "#fff" : "inherit"; }
        tr.append(td);
      });
      table.append(tr);
    });
    document.getElementById("heatmap").append(table);
  }

  function chain(edges, gapFoci) {
    const colours = { BrandPromise: "#8e44ad", ValueProposition: "#2874a6", Persona: "#16a085",
                      Need: "#d68910", Offering: "#7f8c8d", Process: "#1d2433" };
    const nodes = {}, elements = [];
    edges.forEach(function (e) {
      nodes[e.source] = { label: e.sourceLabel || e.source, kind: e.sourceKind };
      nodes[e.target] = { label: e.targetLabel || e.target, kind: e.targetKind };
      elements.push({ data: { id: e.source + "->" + e.target, source: e.source, target: e.target, label: e.relation } });
    });
    Object.keys(nodes).forEach(function (iri) {
      elements.push({ data: { id: iri, label: nodes[iri].label, kind: nodes[iri].kind, gap: gapFoci.has(iri) ? 1 : 0 } });
    });
    const container = document.getElementById("chain");
    if (typeof window.cytoscape !== "function") {
      container.append(el("p", { class: "missing" }, "The graph view needs the front-end libraries: run scripts/install-ui.sh."));
      return;
    }
    window.cxChain = window.cytoscape({
      container: container,
      elements: elements,
      layout: { name: "breadthfirst", directed: true, spacingFactor: 0.9 },
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 9, "text-wrap": "wrap", "text-max-width": 90,
          "background-color": function (n) { return colours[n.data("kind")] || "#999"; }, "width": 14, "height": 14 } },
        { selector: "node[gap = 1]", style: { "border-width": 3, "border-color": "#c0392b" } },
        { selector: "edge", style: { "width": 1, "line-color": "#b5bccb", "target-arrow-shape": "triangle",
          "target-arrow-color": "#b5bccb", "curve-style": "bezier" } },
      ],
    });
  }

  function breakpoints(rows) {
    const tbody = document.querySelector("#breakpoints tbody");
    rows.forEach(function (r) {
      const tr = el("tr", { "data-managed": r.managed });
      const from = el("td"); from.append(entityLink(r.from, r.fromLabel));
      const to = el("td"); to.append(entityLink(r.to, r.toLabel));
      tr.append(from, to, el("td", {}, (r.senderLabel || r.sender) + " → " + (r.receiverLabel || r.receiver)));
      tr.append(el("td", { class: r.managed === "true" ? "" : "missing" }, r.managed === "true" ? "yes" : "none"));
      tbody.append(tr);
    });
  }

  async function main() {
    try {
      const [summary, findings, cells, edges, handoffs, labels] = await Promise.all([
        select("reports/summary"), select("reports/findings"), select("reports/persona-process-alignment"),
        select("reports/value-chain"), select("reports/breakpoints"), select("reports/focus-labels"),
      ]);
      const labelMap = {};
      labels.forEach(function (r) { labelMap[r.focus] = r.label; });
      cards(summary, findings);
      findingsTable(findings, labelMap);
      heatmap(cells);
      breakpoints(handoffs);
      chain(edges, new Set(findings.map(function (f) { return f.focus; })));
      document.body.setAttribute("data-ready", "true");
    } catch (error) {
      document.querySelector("main").prepend(el("p", { class: "missing", role: "alert" }, "Could not load the model: " + error.message));
      document.body.setAttribute("data-ready", "error");
    }
  }
  main();
})();
