"""ArchiMate models in: the Open Group Model Exchange File Format, as Archi exports it.

Elements and relationships map to cxgraph where the ontology's ``skos:closeMatch``
alignments make the mapping sound: business actors and roles are parties, business
processes and functions are processes (or, when they are a step of another and have none of
their own, activities), events are activities and interactions moments of truth, business
services and products are offerings, application components information systems,
stakeholders personas, requirements needs, outcomes outcomes, values value propositions and
goals brand promises (drivers are needs only where a stakeholder is associated with them).
Relationships map by type and by what their ends became (:data:`RELATIONS`): composition or
aggregation gives sub-processes and steps, triggering and flow ``cx:nextStep``, assignment
``cx:performedBy`` or ``cx:ownedBy``, realization ``cx:delivers``/``cx:fulfils``/
``cx:achieves``, serving ``cx:usesSystem``. Whatever does not map is returned as a note
naming its type, name and id, never dropped silently. Element IRIs are the ``--base`` IRI
plus the element's identifier.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from cxgraph.errors import InputError
from cxgraph.namespaces import CX, RDF_TYPE, RDFS_LABEL, SKOS, cx
from cxgraph.provenance import provenance_triples
from cxgraph.table_import import ImportErrors
from cxgraph.xml_documents import parse_xml

NS = "http://www.opengroup.org/xsd/archimate/3.0/"
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# ArchiMate element type → cxgraph class local name ("behaviour": process or activity by
# structure; "driver": a need only where a stakeholder is associated with it)
ELEMENTS = {
    "BusinessActor": "Party",
    "BusinessRole": "Role",
    "BusinessProcess": "behaviour",
    "BusinessFunction": "behaviour",
    "BusinessEvent": "Activity",
    "BusinessInteraction": "MomentOfTruth",
    "BusinessService": "Service",
    "Product": "Product",
    "BusinessInterface": "Channel",
    "Contract": "ServiceLevelAgreement",
    "ApplicationComponent": "InformationSystem",
    "Stakeholder": "Persona",
    "Driver": "driver",
    "Requirement": "Need",
    "Outcome": "SuccessfulCustomerOutcome",
    "Value": "ValueProposition",
    "Goal": "BrandPromise",
    "Principle": "BusinessRule",
}

# the role a mapped element plays in relationships
_ROLES = {
    "Party": "party",
    "Role": "party",
    "Process": "process",
    "Activity": "activity",
    "MomentOfTruth": "activity",
    "Service": "offering",
    "Product": "offering",
    "Channel": "channel",
    "ServiceLevelAgreement": "sla",
    "InformationSystem": "system",
    "Persona": "persona",
    "Need": "need",
    "SuccessfulCustomerOutcome": "outcome",
    "ValueProposition": "value",
    "BrandPromise": "promise",
    "BusinessRule": "rule",
}

# (relationship type, source role, target role) → (property, stated from the target)
RELATIONS: dict[tuple[str, str, str], tuple[str, bool]] = {
    ("Composition", "process", "process"): ("subProcessOf", True),
    ("Aggregation", "process", "process"): ("subProcessOf", True),
    ("Composition", "process", "activity"): ("hasStep", False),
    ("Aggregation", "process", "activity"): ("hasStep", False),
    ("Triggering", "activity", "activity"): ("nextStep", False),
    ("Flow", "activity", "activity"): ("nextStep", False),
    ("Assignment", "party", "activity"): ("performedBy", True),
    ("Assignment", "party", "process"): ("ownedBy", True),
    ("Realization", "process", "offering"): ("delivers", False),
    ("Realization", "offering", "need"): ("fulfils", False),
    ("Realization", "process", "outcome"): ("achieves", False),
    ("Realization", "value", "promise"): ("expresses", False),
    ("Serving", "system", "activity"): ("usesSystem", True),
}
_ASSOCIATIONS = {
    ("persona", "need"): "hasNeed",
    ("persona", "outcome"): "seeksOutcome",
    ("value", "persona"): "targets",
    ("value", "need"): "addresses",
    ("value", "offering"): "offers",
    ("value", "promise"): "expresses",
    ("activity", "channel"): "viaChannel",
    ("rule", "need"): "justifiedBy",
    ("sla", "party"): "provider",
}
for (_a, _b), _p in _ASSOCIATIONS.items():
    RELATIONS[("Association", _a, _b)] = (_p, False)
    RELATIONS[("Association", _b, _a)] = (_p, True)

_BEHAVIOUR = {"BusinessProcess", "BusinessFunction", "BusinessEvent", "BusinessInteraction"}
_PARTS = {"Composition", "Aggregation"}


@dataclass
class _Element:
    identifier: str
    type: str
    name: str
    node: ET.Element
    cls: str | None = None


def read_archimate(
    content: bytes, source: str, base: str | None = None, provenance: bool = True
) -> tuple[list[ox.Triple], list[str]]:
    """The triples of an exchange file and notes on everything that did not map. Raises
    InputError (all problems at once) for unsafe or broken files."""
    root = parse_xml(content, source)
    if root.tag != f"{{{NS}}}model":
        raise InputError(
            f"not an ArchiMate exchange file: the root is {root.tag}, expected model in {NS}",
            file=source,
        )
    problems: list[str] = []
    model_id = root.get("identifier") or "model"
    prefix = base if base is not None else f"urn:archimate:{quote(model_id, safe='')}:"
    elements = _elements(root, problems)
    relations = _relationships(root, elements, problems)
    _classify(elements, relations)
    notes: list[str] = []
    triples: list[ox.Triple] = []
    nodes: dict[str, ox.NamedNode] = {}
    for element in elements.values():
        if element.cls is None:
            why = (
                "a driver is a need only where a stakeholder is associated with it"
                if element.type == "Driver"
                else "no cxgraph kind"
            )
            notes.append(f"element {_describe(element)}: {why}")
            continue
        try:
            node = ox.NamedNode(prefix + element.identifier)
        except ValueError:
            problems.append(f"element {element.identifier!r}: not usable in an IRI")
            continue
        nodes[element.identifier] = node
        triples.extend(_element_triples(node, element))
        if provenance:
            triples.extend(provenance_triples(node, source, element.identifier))
        count = len(element.node.findall(f"{{{NS}}}properties/{{{NS}}}property"))
        if count:
            noun = "property" if count == 1 else "properties"
            notes.append(f"element {_describe(element)}: {count} {noun} not imported")
    for identifier, kind, src, tgt in relations:
        a, b = elements[src], elements[tgt]
        mapping = None
        if a.cls is not None and b.cls is not None:
            mapping = RELATIONS.get((kind, _ROLES[a.cls], _ROLES[b.cls]))
        if mapping is None:
            why = (
                "no cxgraph property for this pair"
                if a.cls is not None and b.cls is not None
                else "an end of it is not imported"
            )
            notes.append(
                f"relationship {kind} {identifier} from {_describe(a)} to {_describe(b)}: {why}"
            )
            continue
        prop, from_target = mapping
        s, o = (nodes[tgt], nodes[src]) if from_target else (nodes[src], nodes[tgt])
        triples.append(ox.Triple(s, cx(prop), o))
    views = len(root.findall(f"{{{NS}}}views/{{{NS}}}diagrams/{{{NS}}}view"))
    if views or root.find(f"{{{NS}}}organizations") is not None:
        noun = "view" if views == 1 else "views"
        notes.append(f"{views} {noun} and the folder structure: presentation, not imported")
    if problems:
        raise ImportErrors(source, problems)
    return triples, notes


def _elements(root: ET.Element, problems: list[str]) -> dict[str, _Element]:
    elements: dict[str, _Element] = {}
    for node in root.findall(f"{{{NS}}}elements/{{{NS}}}element"):
        identifier = node.get("identifier", "")
        kind = node.get(_XSI_TYPE, "")
        if not identifier or not kind:
            problems.append(f"an element (line unknown) has no identifier or xsi:type: {kind}")
            continue
        if identifier in elements:
            problems.append(f"element {identifier}: identifier used twice")
            continue
        elements[identifier] = _Element(identifier, kind, _text(node, "name"), node)
    return elements


def _relationships(
    root: ET.Element, elements: dict[str, _Element], problems: list[str]
) -> list[tuple[str, str, str, str]]:
    relations = []
    for node in root.findall(f"{{{NS}}}relationships/{{{NS}}}relationship"):
        identifier = node.get("identifier", "?")
        kind = node.get(_XSI_TYPE, "")
        src, tgt = node.get("source", ""), node.get("target", "")
        missing = [end for end in (src, tgt) if end not in elements]
        if missing:
            problems.append(
                f"relationship {kind} {identifier}: {', '.join(repr(m) for m in missing)} "
                "is not an element of the model"
            )
            continue
        relations.append((identifier, kind, src, tgt))
    return relations


def _classify(elements: dict[str, _Element], relations: list[tuple[str, str, str, str]]) -> None:
    """Give each element its class: processes with parts stay processes, parts without
    parts of their own become activities; drivers a stakeholder is associated with are
    needs."""
    has_parts: Counter[str] = Counter()
    is_part: Counter[str] = Counter()
    with_stakeholder: set[str] = set()
    for _, kind, src, tgt in relations:
        a, b = elements[src], elements[tgt]
        if kind in _PARTS and a.type in _BEHAVIOUR and b.type in _BEHAVIOUR:
            has_parts[src] += 1
            is_part[tgt] += 1
        if kind == "Association" and {a.type, b.type} == {"Stakeholder", "Driver"}:
            with_stakeholder.add(src if a.type == "Driver" else tgt)
    for element in elements.values():
        mapped = ELEMENTS.get(element.type)
        if mapped == "behaviour":
            part_only = is_part[element.identifier] and not has_parts[element.identifier]
            element.cls = "Activity" if part_only else "Process"
        elif mapped == "driver":
            element.cls = "Need" if element.identifier in with_stakeholder else None
        else:
            element.cls = mapped


def _element_triples(node: ox.NamedNode, element: _Element) -> list[ox.Triple]:
    assert element.cls is not None
    triples = [ox.Triple(node, RDF_TYPE, ox.NamedNode(CX + element.cls))]
    for tag, predicate in (
        ("name", RDFS_LABEL),
        ("documentation", ox.NamedNode(SKOS + "definition")),
    ):
        for child in element.node.findall(f"{{{NS}}}{tag}"):
            text = (child.text or "").strip()
            if text:
                language = child.get(_XML_LANG) or "en"
                try:
                    literal = ox.Literal(text, language=language)
                except ValueError:
                    literal = ox.Literal(text)
                triples.append(ox.Triple(node, predicate, literal))
    return triples


def _text(node: ET.Element, tag: str) -> str:
    child = node.find(f"{{{NS}}}{tag}")
    return (child.text or "").strip() if child is not None else ""


def _describe(element: _Element) -> str:
    return f"{element.type} {element.name!r} ({element.identifier})"
