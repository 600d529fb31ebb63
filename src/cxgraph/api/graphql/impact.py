"""Impact analysis: what loses coverage if a process, a party or a system went away.

Coverage is computed twice from the same facts (``queries/graphql/impact-facts.rq``),
once as the model stands and once without the subject; the impact is what the first has
and the second lacks. The rules, for a subject S:

- Removed processes: if S is a process, S and every process part of it, at any depth.
  A party or a system removes no process.
- Needs: a need is met while a remaining process *itself* delivers (asserted
  ``cx:delivers``/``cx:deliveredBy``) an offering that fulfils it. A parent meets what
  its sub-processes meet only through them, so a need met only through S or its
  sub-processes is lost, even though S's parent stays.
- Personas: a persona is served while one of its needs is met.
- Outcomes: achieved while a remaining process itself achieves it.
- Activities stop being done when: (process) every process they are a step of is
  removed; (party) S was their only performer; (system) they use S.
- Moments of truth are lost when they stop being done, or (party) when nobody is left
  accountable for them: a moment of truth's accountable owners are its own
  ``cx:ownedBy`` parties, else the owners of the processes it is a step of, where a
  process without an owner of its own answers to its parent's owner, recursively.
- Experiences are lost when every moment of truth they occur at is lost.
- Brand promises are lost when every experience realising them is lost.

Parties and systems deliver no offering, so needs, personas and outcomes lose coverage
only when a process goes; the loss of a party or a system shows in the activities,
moments of truth, experiences and promises that go with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox
import strawberry

from cxgraph.api.graphql.context import Info
from cxgraph.api.graphql.entities import (
    Activity,
    BrandPromise,
    Experience,
    MomentOfTruth,
    Need,
    Node,
    Outcome,
    Persona,
    Process,
    construct,
)
from cxgraph.api.graphql.kinds import Kind, kinds_of
from cxgraph.api.graphql.loaders import Term, iri_term
from cxgraph.errors import InputError

Links = Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class CoverageFacts:
    """The links coverage depends on, each as subject → objects."""

    links: Mapping[str, Links]
    parents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, fact: str) -> Links:
        return self.links.get(fact, {})

    @classmethod
    def from_rows(
        cls, rows: Iterable[Mapping[str, Term]], parents: Mapping[str, tuple[str, ...]]
    ) -> CoverageFacts:
        links: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for row in rows:
            fact, s, o = row.get("fact"), row.get("s"), row.get("o")
            if (
                isinstance(fact, ox.Literal)
                and isinstance(s, ox.NamedNode)
                and isinstance(o, ox.NamedNode)
            ):
                links[fact.value][s.value].add(o.value)
        frozen = {f: {s: frozenset(o) for s, o in m.items()} for f, m in links.items()}
        return cls(frozen, parents)


@dataclass(frozen=True)
class Coverage:
    needs: frozenset[str]
    personas: frozenset[str]
    outcomes: frozenset[str]
    activities: frozenset[str]
    accountable: frozenset[str]


@dataclass(frozen=True)
class Loss:
    """What loses coverage without the subject."""

    removed_processes: frozenset[str]
    activities: frozenset[str]
    moments_of_truth: frozenset[str]
    experiences: frozenset[str]
    promises: frozenset[str]
    needs: frozenset[str]
    personas: frozenset[str]
    outcomes: frozenset[str]


def _inverse(links: Links) -> dict[str, set[str]]:
    inverse: dict[str, set[str]] = defaultdict(set)
    for s, objects in links.items():
        for o in objects:
            inverse[o].add(s)
    return inverse


def coverage(
    facts: CoverageFacts,
    removed: frozenset[str] = frozenset(),
    party: str | None = None,
    system: str | None = None,
) -> Coverage:
    """Coverage without the ``removed`` processes, the ``party`` and the ``system``."""
    fulfils, steps = facts.get("fulfils"), facts.get("hasStep")
    needs = frozenset(
        n
        for p, offerings in facts.get("delivers").items()
        if p not in removed
        for o in offerings
        for n in fulfils.get(o, ())
    )
    personas = frozenset(p for p, ns in facts.get("hasNeed").items() if ns & needs)
    outcomes = frozenset(
        o for p, os in facts.get("achieves").items() if p not in removed for o in os
    )
    step_of = _inverse(steps)
    performers, systems = facts.get("performedBy"), facts.get("usesSystem")
    everything = set(step_of) | set(performers) | set(systems) | _moments(facts)

    def done(activity: str) -> bool:
        processes = step_of.get(activity, set())
        if processes and processes <= removed:
            return False
        by = performers.get(activity, frozenset())
        if party is not None and by and by <= {party}:
            return False
        return system is None or system not in systems.get(activity, ())

    owners = facts.get("ownedBy")
    answerable: dict[str, frozenset[str]] = {}

    def process_owners(process: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
        if process not in answerable:
            own = owners.get(process, frozenset()) - {party}
            if not own and process not in seen:
                parents = facts.parents.get(process, ())
                own = frozenset().union(*(process_owners(p, seen | {process}) for p in parents))
            answerable[process] = own
        return answerable[process]

    def accountable(moment: str) -> bool:
        if owners.get(moment, frozenset()) - {party}:
            return True
        return any(process_owners(p) for p in step_of.get(moment, ()) if p not in removed)

    return Coverage(
        needs=needs,
        personas=personas,
        outcomes=outcomes,
        activities=frozenset(a for a in everything if done(a)),
        accountable=frozenset(m for m in _moments(facts) if accountable(m)),
    )


def _moments(facts: CoverageFacts) -> set[str]:
    return {s for s, classes in facts.get("type").items() if _MOMENT in classes}


def _descendants(facts: CoverageFacts, process: str) -> frozenset[str]:
    return frozenset(
        c for c, ancestors in facts.get("subProcessOf").items() if process in ancestors
    )


def assess_impact(facts: CoverageFacts, subject: str, kind: Kind) -> Loss:
    """What loses coverage if ``subject``, a resource of ``kind`` (process, party or
    information system), went away; see the module docstring for the rules."""
    removed = (
        frozenset({subject} | _descendants(facts, subject)) if kind is Kind.PROCESS else frozenset()
    )
    before = coverage(facts)
    after = coverage(
        facts,
        removed,
        party=subject if kind is Kind.PARTY else None,
        system=subject if kind is Kind.INFORMATION_SYSTEM else None,
    )
    moments = _moments(facts)
    stopped = before.activities - after.activities
    lost_moments = frozenset((stopped & moments) | (before.accountable - after.accountable))
    occurs_at = facts.get("occursAt")
    lost_experiences = frozenset(e for e, ms in occurs_at.items() if ms and ms <= lost_moments)
    realised_by = _inverse(facts.get("realises"))
    lost_promises = frozenset(b for b, es in realised_by.items() if es and es <= lost_experiences)
    return Loss(
        removed_processes=removed,
        activities=frozenset(stopped),
        moments_of_truth=lost_moments,
        experiences=lost_experiences,
        promises=lost_promises,
        needs=before.needs - after.needs,
        personas=before.personas - after.personas,
        outcomes=before.outcomes - after.outcomes,
    )


_MOMENT = Kind.MOMENT_OF_TRUTH.class_iri
_SUBJECT_KINDS = (Kind.PROCESS, Kind.PARTY, Kind.INFORMATION_SYSTEM)


@strawberry.type(description="What loses coverage if a process, party or system went away.")
class Impact:
    subject: Node = strawberry.field(description="The process, party or system taken away.")
    subject_kind: Kind
    removed_processes: list[Process] = strawberry.field(
        description="The process and every process part of it (none for a party or system)."
    )
    activities: list[Activity] = strawberry.field(description="Activities no longer done.")
    moments_of_truth: list[MomentOfTruth] = strawberry.field(
        description="Moments of truth no longer done, or left with nobody accountable."
    )
    experiences: list[Experience] = strawberry.field(
        description="Experiences all of whose moments of truth are lost."
    )
    promises: list[BrandPromise] = strawberry.field(
        description="Brand promises all of whose realising experiences are lost."
    )
    needs: list[Need] = strawberry.field(description="Needs no remaining process meets.")
    personas: list[Persona] = strawberry.field(description="Personas no remaining process serves.")
    outcomes: list[Outcome] = strawberry.field(
        description="Outcomes no remaining process achieves."
    )


async def resolve_impact(info: Info, iri: str) -> Impact:
    """The impact of taking away the process, party or information system ``iri``."""
    loaders = info.context.loaders
    subject = iri_term(iri).value
    classes = await loaders.types.load(subject)
    kinds = kinds_of(classes)
    kind = next((k for k in _SUBJECT_KINDS if k in kinds), None)
    if kind is None:
        raise InputError(
            f"impact is defined for a process, a party or an information system; {iri} is none"
        )
    rows = await loaders.query("graphql/impact-facts")
    facts = CoverageFacts.from_rows(rows, (await loaders.process_tree()).parents)
    loss = assess_impact(facts, subject, kind)

    activities = await construct(loaders, "Activity", sorted(loss.activities))
    return Impact(
        subject=(await construct(loaders, "Node", [subject]))[0],
        subject_kind=kind,
        removed_processes=[Process(iri=i) for i in sorted(loss.removed_processes)],
        activities=[a for a in activities if isinstance(a, Activity)],
        moments_of_truth=[MomentOfTruth(iri=i) for i in sorted(loss.moments_of_truth)],
        experiences=[Experience(iri=i) for i in sorted(loss.experiences)],
        promises=[BrandPromise(iri=i) for i in sorted(loss.promises)],
        needs=[Need(iri=i) for i in sorted(loss.needs)],
        personas=[Persona(iri=i) for i in sorted(loss.personas)],
        outcomes=[Outcome(iri=i) for i in sorted(loss.outcomes)],
    )
