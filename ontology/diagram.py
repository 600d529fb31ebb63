"""Draw the cxgraph class diagram: ontology/cxgraph.ttl in, ontology/cxgraph.svg out.

A standalone script (rdflib and Graphviz ``dot`` only; it does not import cxgraph). Classes
in the cx: namespace are boxes listing their datatype properties; ``rdfs:subClassOf``
between cx: classes is a hollow-headed arrow; each object property is a labelled edge from
domain to range where both are cx: classes (an ``owl:unionOf`` of cx: classes counts as
each of its members). Alignments to outside vocabularies, ``owl:Thing`` ranges and the
inverse of a property already drawn are left out. Properties that exist only by inference
(a property chain that does not mention the property itself) are dashed.

Usage::

    python ontology/diagram.py          # writes ontology/cxgraph.svg
    python ontology/diagram.py --dot    # prints the DOT source instead
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TypeGuard

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

HERE = Path(__file__).resolve().parent
ONTOLOGY = HERE / "cxgraph.ttl"
SVG = HERE / "cxgraph.svg"
CX = "https://w3id.org/cxgraph#"


def local(term: Node) -> str:
    """The name after the namespace: cx:Brand -> Brand, xsd:decimal -> decimal."""
    text = str(term)
    for namespace in (CX, str(XSD)):
        if text.startswith(namespace):
            return text[len(namespace) :]
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def is_cx(term: Node | None) -> TypeGuard[URIRef]:
    """True for an IRI in the cx: namespace."""
    return isinstance(term, URIRef) and str(term).startswith(CX)


def cx_classes_of(graph: Graph, expression: Node) -> Iterator[URIRef]:
    """The cx: classes a domain or range names: itself, or the members of its union."""
    if is_cx(expression):
        yield expression
        return
    union = graph.value(expression, OWL.unionOf)
    if union is not None:
        for member in Collection(graph, union):
            if is_cx(member):
                yield member


def quote(text: str) -> str:
    """A DOT string; backslashes pass through so label escapes such as \\l keep working."""
    return '"' + text.replace('"', '\\"') + '"'


def build_dot(graph: Graph) -> str:
    """The class diagram of the ontology in ``graph`` as DOT source, in a stable order."""
    classes = sorted(c for c in graph.subjects(RDF.type, OWL.Class) if is_cx(c))
    attributes: dict[URIRef, list[str]] = {c: [] for c in classes}
    for prop in sorted(p for p in graph.subjects(RDF.type, OWL.DatatypeProperty) if is_cx(p)):
        for domain in graph.objects(prop, RDFS.domain):
            for cls in cx_classes_of(graph, domain):
                rng = graph.value(prop, RDFS.range)
                attributes.setdefault(cls, []).append(
                    f"{local(prop)} : {local(rng) if rng is not None else '?'}"
                )

    lines = [
        "digraph cxgraph {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.35, ranksep=0.9,'
        ' label="cxgraph classes: hollow arrow = subclass of; labelled arrow = object property'
        ' (domain to range); dashed = inferred only", labelloc=t];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#44618f",'
        ' fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555", fontcolor="#333333"];',
    ]
    for cls in classes:
        label = local(cls)
        if attributes.get(cls):
            label += "\\n" + "".join(a + "\\l" for a in attributes[cls])
        lines.append(f"  {quote(local(cls))} [label={quote(label)}];")

    for sub in classes:
        for sup in sorted(s for s in graph.objects(sub, RDFS.subClassOf) if is_cx(s)):
            lines.append(
                f"  {quote(local(sub))} -> {quote(local(sup))} "
                '[arrowhead=empty, color="#44618f", weight=4];'
            )

    inverses = {o for o in graph.objects(None, OWL.inverseOf) if is_cx(o)}
    properties = sorted(p for p in graph.subjects(RDF.type, OWL.ObjectProperty) if is_cx(p))
    for prop in properties:
        if prop in inverses:  # drawn already, pointing the other way
            continue
        chains = [list(Collection(graph, c)) for c in graph.objects(prop, OWL.propertyChainAxiom)]
        inferred_only = bool(chains) and all(prop not in chain for chain in chains)
        style = ", style=dashed" if inferred_only else ""
        domains = sorted(
            {c for d in graph.objects(prop, RDFS.domain) for c in cx_classes_of(graph, d)}
        )
        ranges = sorted(
            {c for r in graph.objects(prop, RDFS.range) for c in cx_classes_of(graph, r)}
        )
        for domain in domains:
            for rng in ranges:
                lines.append(
                    f"  {quote(local(domain))} -> {quote(local(rng))} "
                    f"[label={quote(local(prop))}{style}];"
                )
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the cxgraph class diagram.")
    parser.add_argument("--dot", action="store_true", help="print DOT source, do not run dot")
    parser.add_argument("--output", type=Path, default=SVG, help=f"SVG file (default {SVG})")
    args = parser.parse_args(argv)

    dot_source = build_dot(Graph().parse(ONTOLOGY, format="turtle"))
    if args.dot:
        sys.stdout.write(dot_source)
        return 0
    dot = shutil.which("dot")
    if dot is None:
        print(
            "diagram.py: Graphviz 'dot' is not on PATH (apt-get install graphviz)", file=sys.stderr
        )
        return 1
    result = subprocess.run(
        [dot, "-Tsvg", "-o", str(args.output)],
        input=dot_source,
        text=True,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        print(f"diagram.py: dot failed: {result.stderr.strip()}", file=sys.stderr)
        return result.returncode
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
