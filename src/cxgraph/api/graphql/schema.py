"""The GraphQL schema: the root ``Query`` and :func:`build_schema`.

Root fields: ``node(iri)``; one paged list per kind of resource; ``gaps`` (the findings,
filtered); ``alignment(rows, columns)``; ``impact(iri)``. The schema is read-only and
takes no batched requests; its limits are in ``limits``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

import strawberry
from strawberry.extensions import SchemaExtension

from cxgraph.api.graphql.alignment import Alignment, resolve_alignment
from cxgraph.api.graphql.context import Info
from cxgraph.api.graphql.entities import (
    TYPE_BY_KIND,
    Gap,
    Node,
    Resource,
    Step,
    construct,
)
from cxgraph.api.graphql.fields import check_rule, described, matching
from cxgraph.api.graphql.impact import Impact, resolve_impact
from cxgraph.api.graphql.kinds import Kind, kinds_of
from cxgraph.api.graphql.limits import limit_extensions
from cxgraph.api.graphql.listing import listing
from cxgraph.api.graphql.loaders import iri_term
from cxgraph.config import Settings
from cxgraph.gaps import Severity


@strawberry.type(
    description="Read the CX model: resources, their relations, gaps, alignment and impact."
)
class Query:
    @described("The resource with this IRI, or null if the model has no such typed resource.")
    async def node(self, info: Info, iri: str) -> Node | None:
        loaders = info.context.loaders
        subject = iri_term(iri).value
        if subject not in loaders.findings_by_iri and not await loaders.types.load(subject):
            return None
        return (await construct(loaders, "Node", [subject]))[0]

    brands = listing(Kind.BRAND, "Brands (cx:Brand).")
    brand_promises = listing(Kind.BRAND_PROMISE, "Brand promises (cx:BrandPromise).")
    value_propositions = listing(
        Kind.VALUE_PROPOSITION, "Value propositions (cx:ValueProposition)."
    )
    personas = listing(Kind.PERSONA, "Personas (cx:Persona).")
    needs = listing(Kind.NEED, "Needs (cx:Need).")
    outcomes = listing(Kind.OUTCOME, "Successful customer outcomes (cx:SuccessfulCustomerOutcome).")
    offerings = listing(Kind.OFFERING, "Offerings (cx:Offering).")
    processes = listing(Kind.PROCESS, "Processes (cx:Process), sub-processes included.")
    activities = listing(Kind.ACTIVITY, "Activities (cx:Activity), moments of truth included.")
    moments_of_truth = listing(Kind.MOMENT_OF_TRUTH, "Moments of truth (cx:MomentOfTruth).")
    parties = listing(Kind.PARTY, "Parties (cx:Party): units and roles.")
    information_systems = listing(
        Kind.INFORMATION_SYSTEM, "Information systems (cx:InformationSystem)."
    )
    business_rules = listing(Kind.BUSINESS_RULE, "Business rules (cx:BusinessRule).")
    slas = listing(Kind.SLA, "Service level agreements (cx:ServiceLevelAgreement).")
    metrics = listing(Kind.METRIC, "Metrics (cx:Metric).")
    experiences = listing(Kind.EXPERIENCE, "Experiences (cx:Experience).")
    insights = listing(Kind.INSIGHT, "Insights (cx:Insight).")
    channels = listing(Kind.CHANNEL, "Channels (cx:Channel).")
    journeys = listing(Kind.JOURNEY, "Journeys (cx:Journey).")

    @described("The gap findings, by severity, rule and focus; optionally filtered.")
    async def gaps(
        self,
        info: Info,
        rule: Annotated[str | None, strawberry.argument(description="A gap rule id.")] = None,
        severity: Severity | None = None,
        focus_type: Annotated[
            Kind | None, strawberry.argument(description="Keep findings about this kind.")
        ] = None,
    ) -> list[Gap]:
        check_rule(rule)
        loaders = info.context.loaders
        findings = matching(loaders.kg.findings, rule, severity)
        if focus_type is not None:
            classes = await loaders.types.load_many([f.focus for f in findings])
            findings = [
                f for f, c in zip(findings, classes, strict=True) if focus_type in kinds_of(c)
            ]
        return [Gap(iri=f.iri, finding=f) for f in findings]

    alignment: Alignment = strawberry.field(
        resolver=resolve_alignment,
        description="A matrix between two kinds (persona x process, need x process, brand "
        "promise x experience...) for a heat map: link counts and the gaps behind each cell.",
    )
    impact: Impact = strawberry.field(
        resolver=resolve_impact,
        description="What loses coverage (needs, personas, outcomes, moments of truth, "
        "promises) if this process, party or information system went away.",
    )


def build_schema(
    settings: Settings, extensions: Sequence[Callable[[], SchemaExtension]] = ()
) -> strawberry.Schema:
    """The schema with the limits the settings call for, plus ``extensions`` (factories
    called once per request)."""
    return strawberry.Schema(
        query=Query,
        types=[*TYPE_BY_KIND.values(), Step, Resource, Gap],
        extensions=[*limit_extensions(settings), *extensions],
    )
