"""The company a generated CX model describes: shared resources and the plan of planted gaps.

Brands with their promises, departments and roles with the SLAs between neighbouring
parties, information systems, channels and market and regulatory insights are shared by
every cluster (see ``cluster``). :class:`Company` also decides, from the seed, in which
clusters each gap rule is planted and records every planted finding for the manifest.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import TextIO

EX = "https://example.org/cxbench#"
RATE = 0.005
PROFILES = ("sparse", "dense")
PREFIXES = (
    "@prefix cx: <https://w3id.org/cxgraph#> .\n"
    f"@prefix ex: <{EX}> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
)
# rule id -> roughly how many of the entities the rule looks at one cluster holds
PER_CLUSTER = {
    "unmet-need": 4,
    "unaddressed-need": 4,
    "experience-below-promise": 6,
    "unserved-persona": 1,
    "unbacked-proposition": 1,
    "uninformed-proposition": 1,
    "unachieved-outcome": 2,
    "ownerless-process": 1,
    "unmeasured-process": 1,
    "inside-out-process": 1,
    "unmanaged-handoff": 14,
    "metric-off-target": 3,
    "unmeasured-moment-of-truth": 6,
    "unjustified-rule": 4,
}
RULES = sorted([*PER_CLUSTER, "promise-without-experience"])
PERSONAS = [
    "Busy professional",
    "Young family",
    "Silver surfer",
    "Small business owner",
    "Student",
    "Tech enthusiast",
    "Budget shopper",
    "Frequent traveller",
]
NEEDS = [
    "Know when the engineer arrives",
    "A fair and clear price",
    "Fixed right first time",
    "Never repeat my details",
    "Reach a person quickly",
    "Bill I can understand",
    "Service that just works",
    "Advice without pressure",
    "Do it myself online",
]
JOURNEYS = [
    "Order to activation",
    "Fault to restore",
    "Bill to cash",
    "Move home",
    "Upgrade",
    "Claim to settlement",
    "Enquiry to quote",
    "Cancel and win back",
]
STEPS = [
    "Capture request",
    "Check eligibility",
    "Schedule visit",
    "Confirm by message",
    "Prepare equipment",
    "Visit customer",
    "Activate service",
    "Close ticket",
    "Send invoice",
    "Call back customer",
]
CHANNELS = ["Web", "Phone", "Store", "Field visit", "Letter", "App"]
SCORES = [6.0, 6.5, 7.0, 7.5, 8.0]


def lit(text: str) -> str:
    return f'"{text}"@en'


class TurtleWriter:
    """Writes one subject block at a time and counts the triples."""

    def __init__(self, out: TextIO | None) -> None:
        self.out = out
        self.triples = 0

    def entity(self, subject: str, types: list[str], props: list[tuple[str, str]]) -> None:
        self.triples += len(types) + len(props)
        if self.out is None:
            return
        parts = ([f"a {', '.join(types)}"] if types else []) + [f"{p} {o}" for p, o in props]
        self.out.write(f"{subject} " + " ;\n    ".join(parts) + " .\n")


class Company:
    """The shared resources of a company of ``clusters`` clusters, and what is planted where."""

    def __init__(
        self,
        seed: int,
        clusters: int,
        writer: TurtleWriter,
        plant: bool = True,
        profile: str = "sparse",
    ) -> None:
        self.rng = random.Random(f"{seed}:model")
        self.n = clusters
        self.dense = profile == "dense"
        self.w = writer
        self.manifest: list[tuple[str, str]] = []
        self.entities: dict[str, int] = defaultdict(int)
        self.n_brands = max(1, clusters // 80)
        self.parties = [f"ex:dept-{i}" for i in range(min(60, 8 + clusters // 40))]
        self.parties += [f"ex:role-{i}" for i in range(min(20, 3 + clusters // 150))]
        self.systems = [f"ex:system-{i}" for i in range(min(80, 6 + clusters // 50))]
        self.regulations = [f"ex:regulation-{i}" for i in range(min(50, 4 + clusters // 60))]
        self.market = [f"ex:market-insight-{i}" for i in range(min(50, 4 + clusters // 60))]
        self.promises = [[f"ex:promise-{b}-{j}" for j in range(3)] for b in range(self.n_brands)]
        self.min_score = {p: self.rng.choice(SCORES) for ps in self.promises for p in ps}
        self.next_promise = [0] * self.n_brands
        self.neighbours: dict[str, set[str]] = defaultdict(set)
        self.plants: dict[int, set[str]] = defaultdict(set)
        self.unkept = 0
        if plant:
            self._choose_plants(random.Random(f"{seed}:plants"))

    # -- planting ----------------------------------------------------------------------

    def _choose_plants(self, rng: random.Random) -> None:
        if self.dense:  # every business unit has every defect: an audit's density
            for c in range(self.n):
                self.plants[c] = set(PER_CLUSTER)
            self.unkept = self.n_brands
            return
        for rule in sorted(PER_CLUSTER):
            k = min(self.n, max(2, round(RATE * PER_CLUSTER[rule] * self.n)))
            for c in rng.sample(range(self.n), k):
                self.plants[c].add(rule)
        self.unkept = max(2, round(RATE * 3 * self.n_brands))

    def found(self, rule: str, focus: str) -> None:
        self.manifest.append((rule, EX + focus.removeprefix("ex:")))

    # -- shared resources --------------------------------------------------------------

    def write_shared(self) -> None:
        rng, w = self.rng, self.w
        for b, promises in enumerate(self.promises):
            extra = [
                f"ex:promise-{b}-unkept-{u}" for u in range(self.unkept) if u % self.n_brands == b
            ]
            w.entity(
                f"ex:brand-{b}",
                ["cx:Brand"],
                [("rdfs:label", lit(f"Brand {b}"))]
                + [("cx:hasPromise", p) for p in promises + extra],
            )
            for p in promises + extra:
                score = self.min_score.get(p, 7.0)
                w.entity(
                    p,
                    ["cx:BrandPromise"] if rng.random() < 0.5 else [],
                    [("rdfs:label", lit(f"Promise {p[11:]}")), ("cx:minimumScore", f"{score:.1f}")],
                )
                if p in extra:
                    self.found("promise-without-experience", p)
        n = len(self.parties)
        for i, party in enumerate(self.parties):
            kind = "cx:OrgUnit" if party.startswith("ex:dept") else "cx:Role"
            w.entity(party, [kind], [("rdfs:label", lit(f"{kind[3:]} {i}"))])
            for j in {(i + 1) % n, (i + 2) % n, rng.randrange(n)} - {i}:
                if self.parties[j] in self.neighbours[party]:
                    continue
                self.neighbours[party].add(self.parties[j])
                self.neighbours[self.parties[j]].add(party)
                ends = [party, self.parties[j]]
                rng.shuffle(ends)
                w.entity(
                    f"ex:sla-{i}-{j}",
                    ["cx:ServiceLevelAgreement"],
                    [
                        ("rdfs:label", lit(f"SLA {i}-{j}")),
                        ("cx:provider", ends[0]),
                        ("cx:consumer", ends[1]),
                    ],
                )
        for i, s in enumerate(self.systems):
            w.entity(s, ["cx:InformationSystem"], [("rdfs:label", lit(f"System {i}"))])
        for c in CHANNELS:
            w.entity(self.channel(c), ["cx:Channel"], [("rdfs:label", lit(c))])
        for i, r in enumerate(self.regulations):
            w.entity(r, ["cx:RegulatoryInsight"], [("rdfs:label", lit(f"Regulation {i}"))])
        for i, m in enumerate(self.market):
            kind = "cx:CompetitiveInsight" if i % 2 else "cx:TechnologyInsight"
            w.entity(m, [kind], [("rdfs:label", lit(f"Market insight {i}"))])

    @staticmethod
    def channel(name: str) -> str:
        return "ex:channel-" + name.lower().replace(" ", "-")
