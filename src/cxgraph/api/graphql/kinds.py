"""The kinds of CX model resources GraphQL lists, filters on and aligns, and the
subclasses some of them have."""

from __future__ import annotations

from enum import Enum

import strawberry

from cxgraph.namespaces import CX


@strawberry.enum(description="A class of the CX model (its cx: local name is the value).")
class Kind(Enum):
    BRAND = "Brand"
    BRAND_PROMISE = "BrandPromise"
    VALUE_PROPOSITION = "ValueProposition"
    PERSONA = "Persona"
    NEED = "Need"
    OUTCOME = "SuccessfulCustomerOutcome"
    OFFERING = "Offering"
    PROCESS = "Process"
    ACTIVITY = "Activity"
    MOMENT_OF_TRUTH = "MomentOfTruth"
    PARTY = "Party"
    INFORMATION_SYSTEM = "InformationSystem"
    BUSINESS_RULE = "BusinessRule"
    SLA = "ServiceLevelAgreement"
    METRIC = "Metric"
    EXPERIENCE = "Experience"
    INSIGHT = "Insight"
    CHANNEL = "Channel"
    JOURNEY = "Journey"

    @property
    def class_iri(self) -> str:
        return CX + self.value


@strawberry.enum(description="Whether a need is stated by customers or taken for granted.")
class NeedKind(Enum):
    STATED = "StatedNeed"
    UNSTATED = "UnstatedNeed"


@strawberry.enum(description="Whether an offering is a service or a product.")
class OfferingKind(Enum):
    SERVICE = "Service"
    PRODUCT = "Product"


@strawberry.enum(description="Whether a party is an organisational unit or a role.")
class PartyKind(Enum):
    ORG_UNIT = "OrgUnit"
    ROLE = "Role"


@strawberry.enum(description="What an insight is evidence about.")
class InsightKind(Enum):
    CUSTOMER = "CustomerInsight"
    COMPETITIVE = "CompetitiveInsight"
    TECHNOLOGY = "TechnologyInsight"
    REGULATORY = "RegulatoryInsight"


def kinds_of(classes: frozenset[str]) -> set[Kind]:
    """The kinds a resource with these classes belongs to."""
    return {kind for kind in Kind if kind.class_iri in classes}
