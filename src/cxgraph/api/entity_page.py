"""The HTML a browser gets for a served entity IRI (see ``cxgraph.api.linked_data``).

A hash IRI such as ``https://example.org/telecom#InstallService`` is fetched at
``/telecom``: the browser never sends the fragment. That document's page is an index of
its resources, each row anchored by its fragment; a small script turns
``/telecom#InstallService`` into the resource's own page, ``/telecom?iri=<the IRI>``, which
describes that one resource (RDF clients get the same with ``?iri=``, or the whole document
without it). An entity page names terms compactly (``cx:Process``, labels where the model
has them), marks statements that only reasoning produced (graph
``urn:cxgraph:graph:inferred``) and links the gap findings that name the entity.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from string import Template
from urllib.parse import quote, urlsplit

import pyoxigraph as ox

from cxgraph.gaps import Finding
from cxgraph.namespaces import GAPS_GRAPH, INFERRED_GRAPH, PREFIXES, RDF_TYPE, RDFS_LABEL
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.queries import saved_query

TEMPLATE = Path(__file__).resolve().parent.parent / "web" / "templates" / "entity.html"
WELL_KNOWN = {
    **PREFIXES,
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "archimate": "http://bp4mc2.org/def/archimate#",
}
DEFINITIONS = (
    ox.NamedNode(PREFIXES["skos"] + "definition"),
    ox.NamedNode(PREFIXES["rdfs"] + "comment"),
)


def document_key(iri: str) -> str:
    """The path (and query) an entity IRI is fetched at: its document."""
    parts = urlsplit(iri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def entity_href(iri: str) -> str:
    """The URL of the page of one entity: its document, naming it with ``?iri=``."""
    return f"{urlsplit(iri).path}?iri={quote(iri, safe='')}"


class Names:
    """Compact names for IRIs: labels from the model, prefixed names otherwise."""

    def __init__(self, kg: KnowledgeGraph, served: frozenset[str]) -> None:
        self.kg = kg
        self.served = served
        self.prefixes = dict(WELL_KNOWN)
        for iri in served:
            base, hash_, _ = iri.partition("#")
            if hash_:
                stem = urlsplit(base).path.rstrip("/").rsplit("/", 1)[-1]
                if stem and stem not in self.prefixes:
                    self.prefixes[stem] = base + "#"
        self._labels: dict[str, str | None] = {}

    def compact(self, iri: str) -> str:
        """``cx:Process`` for the cxgraph term, the IRI itself when no prefix fits."""
        best = ""
        for name, namespace in self.prefixes.items():
            if iri.startswith(namespace) and len(namespace) > len(self.prefixes.get(best, "")):
                best = name
        if best:
            local = iri[len(self.prefixes[best]) :]
            if local and "/" not in local and "#" not in local:
                return f"{best}:{local}"
        return iri

    def label(self, iri: str) -> str | None:
        if iri not in self._labels:
            self._labels[iri] = next(
                (
                    q.object.value
                    for q in self.kg.store.quads(ox.NamedNode(iri), RDFS_LABEL, None)
                    if isinstance(q.object, ox.Literal)
                ),
                None,
            )
        return self._labels[iri]

    def link(self, iri: str, label: str | None = None, *, prefer_label: bool = True) -> str:
        """A link to the entity's page if it is served, else its name with the IRI as title."""
        compact = self.compact(iri)
        shown = (label or self.label(iri) or compact) if prefer_label else compact
        title = html.escape(iri if shown == compact else f"{compact} · {iri}")
        text = html.escape(shown)
        if iri in self.served:
            return f'<a href="{html.escape(entity_href(iri))}" title="{title}">{text}</a>'
        return f'<span title="{title}">{text}</span>'


def _finding_anchor(finding: Finding) -> str:
    return "gap-" + finding.iri.rsplit(":", 2)[-2] + "-" + finding.iri.rsplit(":", 1)[-1]


def _value(term: object, names: Names) -> str:
    if isinstance(term, ox.NamedNode):
        return names.link(term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        note = ""
        if term.language:
            note = f' <span class="badge">@{html.escape(term.language)}</span>'
        elif not datatype.endswith(("#string", "#langString")):
            note = f' <span class="badge">{html.escape(names.compact(datatype))}</span>'
        return html.escape(term.value) + note
    return f"<code>{html.escape(str(term))}</code>"


def _origin(kg: KnowledgeGraph, s: object, p: object, o: object) -> str:
    """``inferred`` when only the reasoner's graph holds the statement, ``gaps`` for the
    findings graph, else ``asserted``."""
    graphs = {
        q.graph_name
        for q in kg.store.quads(s, p, o, None)  # type: ignore[arg-type]
    }
    if graphs and graphs <= {INFERRED_GRAPH}:
        return "inferred"
    if graphs and graphs <= {GAPS_GRAPH, INFERRED_GRAPH}:
        return "gaps"
    return "asserted"


def _origin_cell(origin: str) -> str:
    if origin == "asserted":
        return '<td class="origin">asserted</td>'
    return f'<td class="origin {origin}"><span class="badge">{origin}</span></td>'


def _solutions(kg: KnowledgeGraph, query_id: str, entity: ox.NamedNode) -> ox.QuerySolutions:
    result = kg.store.query(
        saved_query(query_id).text, substitutions={ox.Variable("entity"): entity}
    )
    assert isinstance(result, ox.QuerySolutions)
    return result


def _page(title: str, body: str) -> str:
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        title=html.escape(title), body=body
    )


def render_entity(kg: KnowledgeGraph, iri: str, served: frozenset[str]) -> str:
    """The page of one entity: its types and definition, its gaps, its statements (inferred
    ones marked) and what refers to it (gap findings as links)."""
    names = Names(kg, served)
    entity = ox.NamedNode(iri)
    label = names.label(iri) or names.compact(iri)
    types = sorted(
        {
            q.object.value
            for q in kg.store.quads(entity, RDF_TYPE, None)
            if isinstance(q.object, ox.NamedNode)
        }
    )
    definition = next(
        (
            q.object.value
            for p in DEFINITIONS
            for q in kg.store.quads(entity, p, None)
            if isinstance(q.object, ox.Literal)
        ),
        None,
    )
    by_iri = {f.iri: f for f in kg.findings}
    own = [f for f in kg.findings if f.focus == iri]
    parts = [
        f'<article class="entity" data-iri="{html.escape(iri)}">',
        f"<h1>{html.escape(label)}</h1>",
        f'<p class="iri">{html.escape(iri)}</p>',
    ]
    if types:
        parts.append(
            "<p>A "
            + ", ".join(
                names.link(t) + f" <code>{html.escape(names.compact(t))}</code>" for t in types
            )
            + "</p>"
        )
    if definition:
        parts.append(f'<p class="lead">{html.escape(definition)}</p>')
    parts.append(f'<h2 id="gaps">Gaps ({len(own)})</h2>')
    if own:
        parts.append('<ul class="gaps">')
        for f in sorted(own, key=lambda f: (f.severity.rank, f.rule)):
            parts.append(
                f'<li id="{_finding_anchor(f)}" class="{f.severity.value}">'
                f"<strong>{html.escape(f.rule)}</strong> ({f.severity.value}): "
                f"{html.escape(f.message)}</li>"
            )
        parts.append("</ul>")
    else:
        parts.append("<p>No gap finding is about this resource.</p>")

    rows = []
    for row in _solutions(kg, "entity/outgoing", entity):
        p, o = row["p"], row["o"]
        origin = _origin(kg, entity, p, o)
        p_label = row["pLabel"].value if isinstance(row["pLabel"], ox.Literal) else None
        assert isinstance(p, ox.NamedNode)
        rows.append(
            f'<tr class="{origin}"><td class="prop">'
            f"{names.link(p.value, p_label, prefer_label=False)}</td>"
            f'<td class="value">{_value(o, names)}</td>{_origin_cell(origin)}</tr>'
        )
    parts.append(f"<h2>Statements ({len(rows)})</h2>")
    parts.append(
        '<table class="statements"><thead><tr><th scope="col">property</th>'
        '<th scope="col">value</th><th scope="col">source</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )

    back = []
    for row in _solutions(kg, "entity/incoming", entity):
        s, p = row["s"], row["p"]
        assert isinstance(p, ox.NamedNode)
        finding = by_iri.get(s.value) if isinstance(s, ox.NamedNode) else None
        if finding is not None:
            href = (
                f"#{_finding_anchor(finding)}"
                if finding.focus == iri
                else f"{entity_href(finding.focus)}#{_finding_anchor(finding)}"
                if finding.focus in served
                else None
            )
            text = html.escape(f"{finding.rule} ({finding.severity.value}) on ") + html.escape(
                names.label(finding.focus) or names.compact(finding.focus)
            )
            subject = (
                f'<a class="gap-link" href="{html.escape(href)}" title="{html.escape(s.value)}">'
                f"{text}</a>"
                if href
                else f'<span title="{html.escape(s.value)}">{text}</span>'
            )
        elif isinstance(s, ox.NamedNode):
            s_label = row["sLabel"].value if isinstance(row["sLabel"], ox.Literal) else None
            subject = names.link(s.value, s_label)
        else:
            subject = f"<code>{html.escape(str(s))}</code>"
        origin = _origin(kg, s, p, entity)
        back.append(
            f'<tr class="{origin}"><td>{subject}</td>'
            f'<td class="prop">{names.link(p.value, prefer_label=False)}</td>'
            f"{_origin_cell(origin)}</tr>"
        )
    if back:
        parts.append(f"<h2>Referenced by ({len(back)})</h2>")
        parts.append(
            '<table class="statements"><thead><tr><th scope="col">resource</th>'
            '<th scope="col">property</th><th scope="col">source</th></tr></thead><tbody>'
            + "".join(back)
            + "</tbody></table>"
        )
    doc = urlsplit(iri).path
    parts.append(
        f'<p class="hint">Part of <a href="{html.escape(doc)}">{html.escape(doc)}</a>. '
        "RDF clients get this description by content negotiation (Turtle, N-Triples, "
        "JSON-LD, RDF/XML) at this same URL. “inferred” marks statements only the reasoner "
        "derived (graph <code>urn:cxgraph:graph:inferred</code>).</p></article>"
    )
    return _page(f"{label} · cxgraph", "".join(parts))


def render_index(
    kg: KnowledgeGraph, document: str, iris: Iterable[str], served: frozenset[str]
) -> str:
    """The page of a document holding several entities: one row per entity, anchored by its
    fragment; opened with a fragment, a script shows that entity's own page."""
    names = Names(kg, served)
    gaps: dict[str, list[str]] = {}
    for f in sorted(kg.findings, key=lambda f: (f.severity.rank, f.rule)):
        gaps.setdefault(f.focus, []).append(f"{f.rule} ({f.severity.value})")
    rows = []
    for iri in sorted(iris, key=lambda i: (names.label(i) or i).lower()):
        fragment = urlsplit(iri).fragment
        types = sorted(
            names.compact(q.object.value)
            for q in kg.store.quads(ox.NamedNode(iri), RDF_TYPE, None)
            if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(PREFIXES["cx"])
        )
        anchor = f' id="{html.escape(fragment)}"' if fragment else ""
        found = gaps.get(iri, [])
        rows.append(
            f'<tr{anchor} data-href="{html.escape(entity_href(iri))}">'
            f"<td>{names.link(iri)}</td><td>{html.escape(', '.join(types))}</td>"
            f"<td>{html.escape('⚠ ' + ', '.join(found)) if found else ''}</td></tr>"
        )
    body = (
        f"<h1>{html.escape(document)}</h1>"
        f"<p>{len(rows)} resources are described at this address. Open one for its "
        "statements, inferred facts and gaps.</p>"
        '<table class="index"><thead><tr><th scope="col">resource</th><th scope="col">type</th>'
        '<th scope="col">gaps</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
        "<script>(function () {"
        " var id = decodeURIComponent(location.hash.slice(1));"
        " var row = id && document.getElementById(id);"
        " if (row && row.dataset.href) { location.replace(row.dataset.href); }"
        "})();</script>"
    )
    return _page(f"{document} · cxgraph", body)
