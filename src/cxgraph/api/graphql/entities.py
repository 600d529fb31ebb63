"""The GraphQL types of the CX model: one per class of ``ontology/cxgraph.ttl``.

Every type implements ``Node`` (IRI, label, definition, classes, gap findings) and has
its relations in both directions, the inferred ones included (``Need.metBy``,
``Persona.servedBy``, ``Process.meetsNeeds``...). A relation is declared in one line
with :func:`links` or :func:`linked_from`: the cx: property it follows, and in which
direction; its value is read through the request's batched loaders. Where a relation's
range is a union of classes, the concrete type of each node comes from its ``rdf:type``
(asserted or inferred); a resource of no known class is a ``Resource``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox
import strawberry

from cxgraph.api.graphql.context import Info
from cxgraph.api.graphql.fields import check_rule, described, flag, matching, number, subclass
from cxgraph.api.graphql.kinds import InsightKind, Kind, NeedKind, OfferingKind, PartyKind
from cxgraph.api.graphql.loaders import Loaders, pick_label
from cxgraph.gaps import Finding, Severity
from cxgraph.namespaces import CX, SKOS, cx

strawberry.enum(Severity, description="How serious a gap finding is.")

_SKOS_DEFINITION = ox.NamedNode(SKOS + "definition")


@strawberry.interface(description="A resource of the CX model, identified by its IRI.")
class Node:
    iri: str = strawberry.field(description="The resource's IRI.")

    @described("Its rdfs:label, English preferred; the IRI's last segment if it has none.")
    async def label(self, info: Info) -> str:
        return await info.context.loaders.label(self.iri)

    @described("Its skos:definition, English preferred, if it has one.")
    async def definition(self, info: Info) -> str | None:
        return pick_label(await info.context.loaders.objects(_SKOS_DEFINITION).load(self.iri))

    @described("The IRIs of the classes it belongs to, asserted or inferred.")
    async def types(self, info: Info) -> list[str]:
        return sorted(await info.context.loaders.types.load(self.iri))

    @described("The gap findings about it (whose focus it is).")
    def gaps(
        self, info: Info, rule: str | None = None, severity: Severity | None = None
    ) -> list[Gap]:
        check_rule(rule)
        found = info.context.loaders.findings_by_focus.get(self.iri, [])
        return [Gap(iri=f.iri, finding=f) for f in matching(found, rule, severity)]


def _list_of(type_name: str) -> Any:
    return list.__class_getitem__(type_name)


def _relation(target: str, prop: str, description: str, inverse: bool) -> Any:
    predicate = cx(prop)

    async def resolve(root: Node, info: Info) -> list[Node]:
        loaders = info.context.loaders
        loader = loaders.subjects(predicate) if inverse else loaders.objects(predicate)
        iris = [t.value for t in await loader.load(root.iri) if isinstance(t, ox.NamedNode)]
        return await construct(loaders, target, iris)

    return strawberry.field(
        resolver=resolve, graphql_type=_list_of(target), description=description
    )


def links(target: str, prop: str, description: str) -> Any:
    """A field listing the ``target`` nodes this one links to by ``cx:prop``."""
    return _relation(target, prop, description, inverse=False)


def linked_from(target: str, prop: str, description: str) -> Any:
    """A field listing the ``target`` nodes linking to this one by ``cx:prop``."""
    return _relation(target, prop, description, inverse=True)


@strawberry.type(
    description="A finding of a gap rule (cx:Gap): something missing between what is "
    "promised, needed and delivered."
)
class Gap(Node):
    finding: strawberry.Private[Finding]

    @described("The gap rule's id, such as unmet-need.")
    def rule(self) -> str:
        return self.finding.rule

    @described("How serious the finding is.")
    def severity(self) -> Severity:
        return self.finding.severity

    @described("Why the finding holds, in a sentence.")
    def message(self) -> str:
        return self.finding.message

    @described("The resource the finding is about.")
    async def focus(self, info: Info) -> Node:
        return (await construct(info.context.loaders, "Node", [self.finding.focus]))[0]

    @described("The resources that show why the finding holds.")
    async def evidence(self, info: Info) -> list[Node]:
        return await construct(info.context.loaders, "Node", list(self.finding.evidence))


@strawberry.type(description="A resource of none of the CX model's classes.")
class Resource(Node):
    pass


@strawberry.type(description="The brand that makes promises (cx:Brand).")
class Brand(Node):
    promises = links("BrandPromise", "hasPromise", "Promises the brand makes (cx:hasPromise).")


@strawberry.type(description="What the brand commits to customers (cx:BrandPromise).")
class BrandPromise(Node):
    minimum_score = number(
        "minimumScore", "The lowest experience score (0-10) that keeps the promise."
    )
    brands = linked_from("Brand", "hasPromise", "Brands making the promise.")
    expressed_by = linked_from(
        "ValueProposition", "expresses", "Value propositions that make the promise concrete."
    )
    experiences = linked_from(
        "Experience", "realises", "Experiences that realise the promise (cx:realisedBy)."
    )
    measured_by = linked_from(
        "Metric", "measures", "Metrics measuring the promise (cx:measuredBy)."
    )


@strawberry.type(description="The bargain offered to a persona (cx:ValueProposition).")
class ValueProposition(Node):
    promises = links("BrandPromise", "expresses", "Brand promises it expresses.")
    personas = links("Persona", "targets", "Personas it targets.")
    needs = links("Need", "addresses", "Needs it addresses.")
    offerings = links("Offering", "offers", "Offerings it offers.")
    insights = links("Insight", "informedBy", "Insights it is informed by.")


@strawberry.type(description="A category of customers with similar needs (cx:Persona).")
class Persona(Node):
    needs = links("Need", "hasNeed", "Needs the persona has.")
    outcomes = links("Outcome", "seeksOutcome", "Successful customer outcomes it seeks.")
    served_by = linked_from(
        "Process", "servesPersona", "Processes meeting one of its needs (inferred cx:servedBy)."
    )
    value_propositions = linked_from(
        "ValueProposition", "targets", "Value propositions targeting it."
    )
    experiences = linked_from("Experience", "experiencedBy", "Experiences it lives.")
    journeys = linked_from("Journey", "journeyOf", "Its journeys.")


@strawberry.type(description="What a persona requires (cx:Need).")
class Need(Node):
    kind = subclass(NeedKind, "Stated or unstated, if the model says.")
    personas = linked_from("Persona", "hasNeed", "Personas having the need (cx:needOf).")
    fulfilled_by = linked_from("Offering", "fulfils", "Offerings that fulfil it (cx:fulfilledBy).")
    met_by = linked_from(
        "Process",
        "meetsNeed",
        "Processes meeting it, themselves or through a sub-process (inferred cx:metBy).",
    )
    addressed_by = linked_from("ValueProposition", "addresses", "Value propositions addressing it.")
    justifies = linked_from("BusinessRule", "justifiedBy", "Business rules it justifies.")


@strawberry.type(
    description="An outcome a customer seeks, seen from outside (cx:SuccessfulCustomerOutcome)."
)
class Outcome(Node):
    personas = linked_from("Persona", "seeksOutcome", "Personas seeking it.")
    achieved_by = linked_from(
        "Process",
        "achieves",
        "Processes achieving it, themselves or through a sub-process (cx:achievedBy).",
    )
    measured_by = linked_from("Metric", "measures", "Metrics measuring it.")


@strawberry.type(description="What is offered: a service or a product (cx:Offering).")
class Offering(Node):
    kind = subclass(OfferingKind, "Service or product, if the model says.")
    needs = links("Need", "fulfils", "Needs it fulfils.")
    delivered_by = linked_from(
        "Process",
        "delivers",
        "Processes delivering it, themselves or through a sub-process (cx:deliveredBy).",
    )
    value_propositions = linked_from(
        "ValueProposition", "offers", "Value propositions offering it."
    )


@strawberry.type(description="A business process; a top-level one is end-to-end (cx:Process).")
class Process(Node):
    @described("The process it is directly part of, if any (the first by IRI if several).")
    async def parent(self, info: Info) -> Process | None:
        parents = (await info.context.loaders.process_tree()).parents.get(self.iri, ())
        return Process(iri=parents[0]) if parents else None

    @described("The processes directly part of it.")
    async def sub_processes(self, info: Info) -> list[Process]:
        children = (await info.context.loaders.process_tree()).children.get(self.iri, ())
        return [Process(iri=child) for child in children]

    @described("Whether it is part of no other process: an end-to-end process.")
    async def is_top_level(self, info: Info) -> bool:
        return not (await info.context.loaders.process_tree()).parents.get(self.iri)

    all_sub_processes = links("Process", "hasSubProcess", "Every process part of it, at any depth.")
    steps = links("Activity", "hasStep", "Its own steps (not those of its sub-processes).")
    offerings = links(
        "Offering", "delivers", "Offerings it delivers, itself or through a sub-process."
    )
    outcomes = links(
        "Outcome", "achieves", "Outcomes it achieves, itself or through a sub-process."
    )
    meets_needs = links("Need", "meetsNeed", "Needs it meets (inferred cx:meetsNeed).")
    serves_personas = links(
        "Persona",
        "servesPersona",
        "Personas one of whose needs it meets (inferred cx:servesPersona).",
    )
    owners = links("Party", "ownedBy", "Parties accountable for it end to end.")
    measured_by = linked_from("Metric", "measures", "Metrics measuring it.")


@strawberry.interface(description="A step of a process (cx:Activity).")
class Activity(Node):
    @described("Whether it is a customer-facing moment of truth.")
    def is_moment_of_truth(self) -> bool:
        return isinstance(self, MomentOfTruth)

    processes = linked_from("Process", "hasStep", "Processes it is a step of (cx:stepOf).")
    next = links("Activity", "nextStep", "Activities that follow it (cx:nextStep).")
    previous = linked_from("Activity", "nextStep", "Activities it follows.")
    performed_by = links("Party", "performedBy", "Parties performing it.")
    systems = links("InformationSystem", "usesSystem", "Information systems it uses.")
    rules = links("BusinessRule", "governedBy", "Business rules governing it.")


@strawberry.type(description="An activity that is not customer-facing.")
class Step(Activity):
    pass


@strawberry.type(description="A customer-facing step, a touchpoint (cx:MomentOfTruth).")
class MomentOfTruth(Activity):
    owners = links("Party", "ownedBy", "Parties accountable for it.")
    channels = links("Channel", "viaChannel", "Channels it happens in.")
    experiences = linked_from(
        "Experience", "occursAt", "Experiences occurring at it (cx:hasExperience)."
    )
    journeys = linked_from("Journey", "includes", "Journeys including it.")


@strawberry.type(description="Who owns processes or performs steps: a unit or a role (cx:Party).")
class Party(Node):
    kind = subclass(PartyKind, "Organisational unit or role, if the model says.")
    owns = linked_from(
        "Node", "ownedBy", "Processes, moments of truth and metrics it is accountable for."
    )
    performs = linked_from("Activity", "performedBy", "Activities it performs.")
    provides = linked_from("SLA", "provider", "Service level agreements it commits to.")
    consumes = linked_from(
        "SLA", "consumer", "Service level agreements it receives hand-offs under."
    )


@strawberry.type(description="A system an activity uses (cx:InformationSystem).")
class InformationSystem(Node):
    used_by = linked_from("Activity", "usesSystem", "Activities using it.")


@strawberry.type(description="A rule that governs an activity (cx:BusinessRule).")
class BusinessRule(Node):
    governs = linked_from("Activity", "governedBy", "Activities it governs.")
    justified_by = links("Node", "justifiedBy", "Needs or insights justifying it.")


@strawberry.type(
    name="SLA",
    description="An agreement between two parties over a hand-off (cx:ServiceLevelAgreement).",
)
class SLA(Node):
    provider = links("Party", "provider", "Parties committing to the service level.")
    consumer = links("Party", "consumer", "Parties receiving the hand-off.")


@strawberry.type(description="A measure with target and actual (cx:Metric).")
class Metric(Node):
    target_value = number("targetValue", "The value it should reach.")
    actual_value = number("actualValue", "The value it reached in the latest reading.")
    higher_is_better = flag("higherIsBetter", "Whether higher is better (true if unsaid).", True)
    on_scorecard = flag("onScorecard", "Whether it is on the leadership scorecard.", False)
    measures = links(
        "Node", "measures", "Processes, outcomes, experiences or promises it measures."
    )
    owners = links("Party", "ownedBy", "Parties accountable for it.")


@strawberry.type(description="What a persona experiences at a moment of truth (cx:Experience).")
class Experience(Node):
    score = number("score", "How the persona rates it, 0 (broken promise) to 10.")
    personas = links("Persona", "experiencedBy", "Personas living it.")
    moments_of_truth = links("MomentOfTruth", "occursAt", "Moments of truth it occurs at.")
    promises = links("BrandPromise", "realises", "Brand promises it realises.")
    measured_by = linked_from("Metric", "measures", "Metrics measuring it.")


@strawberry.type(description="Evidence a proposition or rule rests on (cx:Insight).")
class Insight(Node):
    kind = subclass(InsightKind, "What it is evidence about, if the model says.")
    informs = linked_from("ValueProposition", "informedBy", "Value propositions it informs.")
    justifies = linked_from("BusinessRule", "justifiedBy", "Business rules it justifies.")


@strawberry.type(description="The medium of a moment of truth (cx:Channel).")
class Channel(Node):
    moments_of_truth = linked_from("MomentOfTruth", "viaChannel", "Moments of truth in it.")


@strawberry.type(description="A persona's ordered moments of truth (cx:Journey).")
class Journey(Node):
    personas = links("Persona", "journeyOf", "Personas whose journey it is.")
    moments_of_truth = links("MomentOfTruth", "includes", "Moments of truth it includes.")


TYPE_BY_KIND: dict[Kind, type[Node]] = {
    Kind.BRAND: Brand,
    Kind.BRAND_PROMISE: BrandPromise,
    Kind.VALUE_PROPOSITION: ValueProposition,
    Kind.PERSONA: Persona,
    Kind.NEED: Need,
    Kind.OUTCOME: Outcome,
    Kind.OFFERING: Offering,
    Kind.PROCESS: Process,
    Kind.ACTIVITY: Activity,
    Kind.MOMENT_OF_TRUTH: MomentOfTruth,
    Kind.PARTY: Party,
    Kind.INFORMATION_SYSTEM: InformationSystem,
    Kind.BUSINESS_RULE: BusinessRule,
    Kind.SLA: SLA,
    Kind.METRIC: Metric,
    Kind.EXPERIENCE: Experience,
    Kind.INSIGHT: Insight,
    Kind.CHANNEL: Channel,
    Kind.JOURNEY: Journey,
}

# Most specific first: a moment of truth is also an activity. Subclasses are listed so
# that types resolve even in a graph reasoned with profile NONE.
_TYPE_BY_CLASS: list[tuple[str, type[Node]]] = [
    (CX + "MomentOfTruth", MomentOfTruth),
    (CX + "Activity", Step),
    *(
        (CX + k.value, t)
        for k, t in TYPE_BY_KIND.items()
        if k not in (Kind.ACTIVITY, Kind.MOMENT_OF_TRUTH)
    ),
    *((CX + m.value, Need) for m in NeedKind),
    *((CX + m.value, Offering) for m in OfferingKind),
    *((CX + m.value, Party) for m in PartyKind),
    *((CX + m.value, Insight) for m in InsightKind),
]
_CONCRETE: dict[str, type[Node]] = {t.__name__: t for t in TYPE_BY_KIND.values()} | {"Step": Step}


def typed_node(loaders: Loaders, iri: str, classes: frozenset[str]) -> Node:
    """The GraphQL object for a resource with these classes."""
    finding = loaders.findings_by_iri.get(iri)
    if finding is not None:
        return Gap(iri=iri, finding=finding)
    for class_iri, node_type in _TYPE_BY_CLASS:
        if class_iri in classes:
            return node_type(iri=iri)
    return Resource(iri=iri)


async def construct(loaders: Loaders, target: str, iris: Sequence[str]) -> list[Node]:
    """GraphQL objects of type ``target`` for ``iris``; for the abstract types ``Node``
    and ``Activity``, each object's type comes from the resource's classes."""
    if target not in ("Node", "Activity"):
        return [_CONCRETE[target](iri=iri) for iri in iris]
    classes = await loaders.types.load_many(iris)
    nodes = [typed_node(loaders, iri, c) for iri, c in zip(iris, classes, strict=True)]
    if target == "Activity":
        return [n if isinstance(n, Activity) else Step(iri=n.iri) for n in nodes]
    return nodes
