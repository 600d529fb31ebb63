"""Pictures of the value chain: brand promise → value proposition → persona → need →
offering → end-to-end process → moment of truth → experience, drawn by Graphviz.

The chain's edges come from the saved query ``reports/value-chain`` (the dashboard reads
the same query); the gaps are the knowledge graph's findings on the drawn resources.
:func:`read_chain` takes the whole model or one focus with its neighbourhood along the
chain (everything upstream and downstream of it); :func:`chain_dot` writes Graphviz DOT
with one fixed rank per layer, labels from the model, gaps in red with a dashed border
and a "GAP" line (colour is never the only signal) and a legend; :func:`render_diagram`
runs Graphviz's ``dot`` for SVG or PNG.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

import pyoxigraph as ox

from cxgraph.errors import CxGraphError, InputError
from cxgraph.gaps import Finding
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.prefixes import compact
from cxgraph.queries import saved_query

CHAIN_QUERY = "reports/value-chain"

LAYERS: tuple[tuple[str, str], ...] = (
    ("Brand", "Brand"),
    ("BrandPromise", "Brand promise"),
    ("ValueProposition", "Value proposition"),
    ("Persona", "Persona"),
    ("Need", "Need"),
    ("Offering", "Offering"),
    ("Process", "End-to-end process"),
    ("MomentOfTruth", "Moment of truth"),
    ("Experience", "Experience"),
)
_LAYER_INDEX = {kind: i for i, (kind, _) in enumerate(LAYERS)}

GAP_COLOUR = "#b71c1c"
GAP_FILL = "#ffebee"
NODE_COLOUR = "#455a64"
NODE_FILL = "#eceff1"
INSTALL_HINT = (
    "Graphviz's `dot` is not installed, so no {fmt} can be drawn. Install Graphviz "
    "(Debian/Ubuntu: `sudo apt-get install graphviz`; macOS: `brew install graphviz`), "
    "or write the DOT text with `--format dot` and render it elsewhere."
)


class DiagramFormat(Enum):
    SVG = "svg"
    PNG = "png"
    DOT = "dot"


class GraphvizMissing(CxGraphError):
    """Graphviz's ``dot`` is not on the PATH."""


@dataclass
class ChainNode:
    """A resource on the chain: its IRI, label, layer and the findings on it."""

    iri: str
    label: str
    kind: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def layer(self) -> int:
        return _LAYER_INDEX[self.kind]


@dataclass(frozen=True)
class ChainEdge:
    source: str
    target: str
    relation: str


@dataclass
class Chain:
    """The nodes and edges of the value chain (or of one focus's part of it)."""

    nodes: dict[str, ChainNode]
    edges: list[ChainEdge]
    focus: str | None = None

    def gaps(self) -> list[ChainNode]:
        return [n for n in self.nodes.values() if n.findings]


def read_chain(kg: KnowledgeGraph, findings: Sequence[Finding], focus: str | None = None) -> Chain:
    """The value chain of the model, or only ``focus`` (an IRI) and what lies upstream
    and downstream of it. Raises InputError when the focus is not on the chain."""
    nodes: dict[str, ChainNode] = {}
    edges: list[ChainEdge] = []
    result = kg.query(saved_query(CHAIN_QUERY).text)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        source, target = term_text(row["source"]), term_text(row["target"])
        source_kind, target_kind = term_text(row["sourceKind"]), term_text(row["targetKind"])
        if source_kind not in _LAYER_INDEX or target_kind not in _LAYER_INDEX:
            continue
        _add_node(nodes, source, term_text(row["sourceLabel"]), source_kind)
        _add_node(nodes, target, term_text(row["targetLabel"]), target_kind)
        edges.append(ChainEdge(source, target, term_text(row["relation"])))
    for finding in findings:
        if finding.focus in nodes:
            nodes[finding.focus].findings.append(finding)
    chain = Chain(nodes, sorted(set(edges), key=lambda e: (e.source, e.target)))
    if focus is None:
        return chain
    if focus not in nodes:
        raise InputError(
            f"{focus} is not on the value chain; give the IRI of a brand, promise, value "
            "proposition, persona, need, offering, end-to-end process, moment of truth or "
            "experience"
        )
    return _neighbourhood(chain, focus)


def term_text(term: object) -> str:
    """A query result term as text: an IRI's or literal's value, ``_:`` + a blank node's
    label, empty for an unbound variable."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(getattr(term, "value", term))


def _add_node(nodes: dict[str, ChainNode], iri: str, label: str, kind: str) -> None:
    node = nodes.get(iri)
    if node is None:
        nodes[iri] = ChainNode(iri, label, kind)
    elif label and not node.label:
        node.label = label


def _neighbourhood(chain: Chain, focus: str) -> Chain:
    forward: dict[str, list[ChainEdge]] = defaultdict(list)
    backward: dict[str, list[ChainEdge]] = defaultdict(list)
    for edge in chain.edges:
        forward[edge.source].append(edge)
        backward[edge.target].append(edge)
    keep = {focus}
    kept_edges: set[ChainEdge] = set()
    for links, end in ((forward, "target"), (backward, "source")):
        queue = deque([focus])
        seen = {focus}
        while queue:
            for edge in links[queue.popleft()]:
                kept_edges.add(edge)
                nxt = getattr(edge, end)
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        keep |= seen
    nodes = {iri: node for iri, node in chain.nodes.items() if iri in keep}
    edges = [e for e in chain.edges if e in kept_edges]
    return Chain(nodes, edges, focus)


def chain_dot(chain: Chain, prefixes: Mapping[str, str], title: str | None = None) -> str:
    """Graphviz DOT of the chain: left to right, one rank per layer, gaps marked."""
    ids = {iri: f"n{i}" for i, iri in enumerate(sorted(chain.nodes))}
    by_layer: dict[int, list[ChainNode]] = defaultdict(list)
    for node in chain.nodes.values():
        by_layer[node.layer].append(node)
    lines = [
        "digraph value_chain {",
        '  graph [rankdir=LR, ranksep=0.9, nodesep=0.25, fontname="Helvetica", '
        "fontsize=11, labelloc=b, labeljust=l, newrank=true];",
        f'  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, '
        f'color="{NODE_COLOUR}", fillcolor="{NODE_FILL}", margin="0.12,0.05"];',
        '  edge [color="#90a4ae", arrowsize=0.6];',
        f"  label={_legend(title, len(chain.gaps()))};",
    ]
    layers = sorted(by_layer)
    for layer in layers:
        kind, name = LAYERS[layer]
        lines.append(f"  subgraph layer_{kind} {{")
        lines.append("    rank=same;")
        lines.append(
            f'    h_{kind} [label="{_escape(name.upper())}", shape=plaintext, style="", '
            'fontsize=11, fontcolor="#37474f"];'
        )
        for node in sorted(by_layer[layer], key=lambda n: (n.label or n.iri).lower()):
            lines.append(f"    {ids[node.iri]} [{_node_attributes(node, prefixes, chain)}];")
        lines.append("  }")
    headers = [f"h_{LAYERS[layer][0]}" for layer in layers]
    if len(headers) > 1:
        lines.append(f"  {' -> '.join(headers)} [style=invis, weight=100];")
    for edge in chain.edges:
        if edge.source in ids and edge.target in ids:
            lines.append(
                f'  {ids[edge.source]} -> {ids[edge.target]} [tooltip="{_escape(edge.relation)}"];'
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_attributes(node: ChainNode, prefixes: Mapping[str, str], chain: Chain) -> str:
    name = compact(node.iri, prefixes)
    text = "\n".join(textwrap.wrap(node.label or name, 26)) or name
    tooltip = f"{name} ({dict(LAYERS)[node.kind].lower()})"
    attributes = []
    if node.findings:
        rules = sorted({f.rule for f in node.findings})
        text += "\nGAP: " + "\n".join(textwrap.wrap(", ".join(rules), 30))
        tooltip += "".join(f"\n{f.severity.value}: {f.message}" for f in node.findings)
        attributes += [
            'style="rounded,filled,dashed"',
            f'color="{GAP_COLOUR}"',
            f'fillcolor="{GAP_FILL}"',
            f'fontcolor="{GAP_COLOUR}"',
            "penwidth=2",
        ]
    if node.iri == chain.focus:
        attributes.append("peripheries=2")
    attributes = [f'label="{_escape(text)}"', f'tooltip="{_escape(tooltip)}"', *attributes]
    return ", ".join(attributes)


def _legend(title: str | None, gap_count: int) -> str:
    """An HTML-like label: a normal element, a gap element, and what they mean."""
    caption = f"<b>{_html(title)}</b><br/>" if title else ""
    return (
        "<<table border='0' cellspacing='6' cellpadding='4'><tr>"
        f"<td colspan='4' align='left'>{caption}Legend ({gap_count} elements with gaps)</td>"
        "</tr><tr>"
        f"<td border='1' style='rounded' color='{NODE_COLOUR}' bgcolor='{NODE_FILL}'>element</td>"
        "<td align='left'>no finding</td>"
        f"<td border='1' style='rounded,dashed' color='{GAP_COLOUR}' bgcolor='{GAP_FILL}'>"
        f"<font color='{GAP_COLOUR}'>element<br/>GAP: rule</font></td>"
        "<td align='left'>red, dashed, marked GAP: the gap rules finding it</td>"
        "</tr></table>>"
    )


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


def render_diagram(dot: str, fmt: DiagramFormat) -> bytes:
    """The DOT text itself, or Graphviz's SVG or PNG of it. Raises GraphvizMissing (with
    how to install it) when ``dot`` is not on the PATH."""
    if fmt is DiagramFormat.DOT:
        return dot.encode()
    executable = shutil.which("dot")
    if executable is None:
        raise GraphvizMissing(INSTALL_HINT.format(fmt=fmt.value.upper()))
    try:
        done = subprocess.run(
            [executable, f"-T{fmt.value}"],
            input=dot.encode(),
            capture_output=True,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CxGraphError("Graphviz took over 300 s; draw one --focus at a time") from None
    if done.returncode != 0:
        raise CxGraphError(f"Graphviz failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def expand_focus(name: str, prefixes: Mapping[str, str]) -> str:
    """A focus given as ``prefix:local`` (a prefix of the model) or as a full IRI."""
    head, sep, local = name.partition(":")
    if sep and head in prefixes and not local.startswith("//"):
        return prefixes[head] + local
    return name.strip("<>")


def diagram_format(name: str | None, output_suffix: str | None) -> DiagramFormat:
    """The format asked for, else the output file's extension, else SVG."""
    if name is None:
        suffix = (output_suffix or "").lower().lstrip(".")
        name = {"gv": "dot"}.get(suffix, suffix) or "svg"
        if name not in {f.value for f in DiagramFormat}:
            name = "svg"
    try:
        return DiagramFormat(name.lower())
    except ValueError:
        raise InputError(f"unknown diagram format {name!r}; choose svg, png or dot") from None


__all__ = [
    "LAYERS",
    "Chain",
    "ChainEdge",
    "ChainNode",
    "DiagramFormat",
    "GraphvizMissing",
    "chain_dot",
    "diagram_format",
    "expand_focus",
    "graphviz_available",
    "read_chain",
    "render_diagram",
]
