"""One cluster of a generated CX model: a persona's slice of the company.

A persona with stated and unstated needs and sought outcomes, its value proposition and
offerings, an end-to-end process whose sub-processes (two to four levels) deliver the
offerings at the leaves, activity flows whose hand-offs only cross parties that have an
SLA, moments of truth with experiences, a journey, business rules and metrics. Where the
company planted a gap rule in this cluster, the cluster adds exactly that defect, in a way
that triggers no other rule, and records the finding. In the dense profile every cluster
(a small business unit) has every defect, and every experience misses its promise.
"""

from __future__ import annotations

from company import CHANNELS, JOURNEYS, NEEDS, PERSONAS, STEPS, Company, lit

Entity = tuple[list[str], list[tuple[str, str]]]


class Cluster:
    """One persona's slice of the company, buffered as entities and then written."""

    def __init__(self, gen: Company, i: int, plants: set[str]) -> None:
        self.g, self.i, self.plants, self.rng = gen, i, plants, gen.rng
        self.ents: dict[str, Entity] = {}

    def add(self, s: str, p: str, o: str) -> None:
        self.ents.setdefault(s, ([], []))[1].append((p, o))

    def typed(self, s: str, t: str, label: str, p_type: float = 1.0) -> str:
        types, props = self.ents.setdefault(s, ([], []))
        if self.rng.random() < p_type:
            types.append(t)
        props.insert(0, ("rdfs:label", lit(label)))
        self.g.entities[t] += 1
        return s

    def link(self, s: str, p: str, o: str, inverse: str, p_inverse: float) -> None:
        if self.rng.random() < p_inverse:
            self.add(o, inverse, s)
        else:
            self.add(s, p, o)

    def build(self) -> None:
        g, i, rng, has = self.g, self.i, self.rng, self.plants.__contains__
        brand = i % g.n_brands
        kind = PERSONAS[i % len(PERSONAS)]
        persona = self.typed(f"ex:persona-{i}", "cx:Persona", f"{kind} {i}", 0.8)
        needs = [f"ex:need-{i}-{j}" for j in range(rng.randint(3, 5))]
        offers = [f"ex:offering-{i}-{j}" for j in range(rng.randint(2, 3))]
        outcomes = [f"ex:outcome-{i}-{j}" for j in range(2)]
        for j, need in enumerate(needs):
            t = "cx:StatedNeed" if j % 2 else "cx:UnstatedNeed"
            self.typed(need, t, f"{NEEDS[(i + j) % len(NEEDS)]} ({i}.{j})", 0.8)
            self.link(persona, "cx:hasNeed", need, "cx:needOf", 0.3)
            self.link(offers[j % len(offers)], "cx:fulfils", need, "cx:fulfilledBy", 0.25)
        for j, o in enumerate(offers):
            self.typed(o, "cx:Service" if j % 2 else "cx:Product", f"Offering {i}.{j}", 0.8)
        for j, o in enumerate(outcomes):
            self.typed(o, "cx:SuccessfulCustomerOutcome", f"Outcome {i}.{j}", 0.7)
            self.add(persona, "cx:seeksOutcome", o)
        prop = self.typed(f"ex:proposition-{i}", "cx:ValueProposition", f"Proposition {i}", 0.8)
        self.add(prop, "cx:targets", persona)
        addressed, offered = list(needs), list(offers)
        delivered = list(offers)
        if has("unmet-need"):  # addressed and backed, but nothing delivers the offering
            need = self.typed(f"ex:need-{i}-unmet", "cx:StatedNeed", f"Unmet need {i}", 0.5)
            off = self.typed(f"ex:offering-{i}-undelivered", "cx:Service", f"Idea {i}", 0.5)
            self.add(persona, "cx:hasNeed", need)
            self.add(off, "cx:fulfils", need)
            addressed.append(need)
            offered.append(off)
            g.found("unmet-need", need)
        if has("unbacked-proposition"):  # met by a process, but not by what is offered
            need = self.typed(f"ex:need-{i}-unbacked", "cx:StatedNeed", f"Need {i}b", 0.5)
            off = self.typed(f"ex:offering-{i}-unoffered", "cx:Service", f"Extra {i}", 0.5)
            self.add(persona, "cx:hasNeed", need)
            self.add(off, "cx:fulfils", need)
            addressed.append(need)
            delivered.append(off)
            g.found("unbacked-proposition", prop)
        if has("unaddressed-need"):  # met by a process, addressed by no proposition
            need = self.typed(f"ex:need-{i}-unaddressed", "cx:UnstatedNeed", f"Need {i}u", 0.5)
            self.link(persona, "cx:hasNeed", need, "cx:needOf", 0.5)
            self.add(offers[0], "cx:fulfils", need)
            g.found("unaddressed-need", need)
        if has("unachieved-outcome"):
            out = self.typed(
                f"ex:outcome-{i}-unachieved", "cx:SuccessfulCustomerOutcome", f"Outcome {i}u", 0.5
            )
            self.add(persona, "cx:seeksOutcome", out)
            g.found("unachieved-outcome", out)
        if has("unserved-persona"):  # targeted, but no need of it recorded or met
            prospect = self.typed(f"ex:persona-{i}-prospect", "cx:Persona", f"Prospect {i}")
            self.add(prop, "cx:targets", prospect)
            g.found("unserved-persona", prospect)
        for n in addressed:
            self.add(prop, "cx:addresses", n)
        for o in offered:
            self.add(prop, "cx:offers", o)
        self.add(prop, "cx:expresses", g.promises[brand][i % 3])
        insight = self.typed(f"ex:insight-{i}", "cx:CustomerInsight", f"Survey {i}")
        if has("uninformed-proposition"):
            g.found("uninformed-proposition", prop)
        else:
            self.add(prop, "cx:informedBy", insight)
            if rng.random() < 0.3:
                self.add(prop, "cx:informedBy", rng.choice(g.market))
        leaves = self.processes(delivered, outcomes)
        self.flow(leaves, persona, needs, insight, brand)
        if has("inside-out-process"):
            self.inside_out()
        for s, (types, props) in self.ents.items():
            g.w.entity(s, types, props)

    def processes(self, delivered: list[str], outcomes: list[str]) -> list[str]:
        g, i, rng, has = self.g, self.i, self.rng, self.plants.__contains__
        top = self.typed(
            f"ex:process-{i}", "cx:Process", JOURNEYS[i % len(JOURNEYS)] + f" {i}", 0.7
        )
        if has("ownerless-process"):
            g.found("ownerless-process", top)
        else:
            self.add(top, "cx:ownedBy", rng.choice(g.parties))
        leaves: list[str] = []

        def grow(parent: str, level: int) -> None:
            width = rng.randint(2, 3) if level == 0 else 2
            if level >= 3 or (level == 2 and rng.random() < 0.7):
                leaves.append(parent)
                return
            for j in range(width):
                child = self.typed(
                    f"{parent}-{j}", "cx:Process", f"Sub-process {parent[11:]}.{j}", 0.6
                )
                self.link(child, "cx:subProcessOf", parent, "cx:hasSubProcess", 0.3)
                if rng.random() < 0.4:
                    self.add(child, "cx:ownedBy", rng.choice(g.parties))
                grow(child, level + 1)

        grow(top, 0)
        for j, off in enumerate(delivered):
            self.link(leaves[j % len(leaves)], "cx:delivers", off, "cx:deliveredBy", 0.2)
        for k, out in enumerate(outcomes):
            self.link(leaves[(k + 1) % len(leaves)], "cx:achieves", out, "cx:achievedBy", 0.2)
        metric = f"ex:metric-{i}-e2e"
        if not has("unmeasured-process") or len(g.manifest) % 2:
            self.metric(metric, top, on_scorecard=not has("unmeasured-process"))
        if has("unmeasured-process"):
            g.found("unmeasured-process", top)
        return leaves

    def metric(self, m: str, measured: str, on_scorecard: bool | None, off: bool = False) -> None:
        rng = self.rng
        self.typed(m, "cx:Metric", f"Metric {m[10:]}", 0.7)
        self.add(m, "cx:measures", measured)
        if on_scorecard is not None:
            self.add(m, "cx:onScorecard", "true" if on_scorecard else "false")
        higher = None if off else rng.choice([None, True, False])
        target = float(rng.randint(20, 90))
        if higher is not None:
            self.add(m, "cx:higherIsBetter", "true" if higher else "false")
        better = rng.randint(0, 10) * (1 if higher in (None, True) else -1)
        actual = target - 5 if off else target + better
        self.add(m, "cx:targetValue", f"{target:.1f}")
        self.add(m, "cx:actualValue", f"{actual:.1f}")
        if rng.random() < 0.6:
            self.add(m, "cx:ownedBy", rng.choice(self.g.parties))
        if off:
            self.g.found("metric-off-target", m)

    def flow(
        self, leaves: list[str], persona: str, needs: list[str], insight: str, brand: int
    ) -> None:
        g, i, rng, has = self.g, self.i, self.rng, self.plants.__contains__
        steps: list[tuple[str, str, bool]] = []  # activity, performer, moment of truth
        performer = rng.choice(g.parties)
        for leaf in leaves:
            for k in range(rng.randint(2, 4)):
                act = f"ex:activity-{i}-{len(steps)}"
                mot = k == 0 or rng.random() < 0.15
                label = f"{STEPS[(i + len(steps)) % len(STEPS)]} {i}.{len(steps)}"
                if mot:
                    self.typed(act, "cx:MomentOfTruth", label, 0.7)
                    self.add(act, "cx:viaChannel", g.channel(rng.choice(CHANNELS)))
                else:
                    self.typed(act, "cx:Activity", label, 0.6)
                if steps and rng.random() < 0.5:
                    performer = rng.choice(sorted(g.neighbours[performer]))
                self.link(leaf, "cx:hasStep", act, "cx:stepOf", 0.4)
                self.add(act, "cx:performedBy", performer)
                if rng.random() < 0.8:
                    self.add(act, "cx:usesSystem", rng.choice(g.systems))
                if steps:
                    self.add(steps[-1][0], "cx:nextStep", act)
                steps.append((act, performer, mot))
        if has("unmanaged-handoff"):  # a last step for a party with no SLA to the sender
            strangers = sorted(set(g.parties) - g.neighbours[performer] - {performer})
            if not strangers:  # everyone has an SLA with the sender: bring in a contractor
                strangers = [self.typed("ex:contractor", "cx:OrgUnit", "Contractor")]
            act = self.typed(f"ex:activity-{i}-escalate", "cx:Activity", f"Escalate {i}", 0.5)
            self.add(leaves[-1], "cx:hasStep", act)
            self.add(act, "cx:performedBy", rng.choice(strangers))
            self.add(steps[-1][0], "cx:nextStep", act)
            g.found("unmanaged-handoff", steps[-1][0])
        moments = [a for a, _, mot in steps if mot]
        journey = self.typed(f"ex:journey-{i}", "cx:Journey", f"Journey {i}")
        self.add(journey, "cx:journeyOf", persona)
        for j, mot in enumerate(moments):
            self.add(journey, "cx:includes", mot)
            self.experience(f"ex:experience-{i}-{j}", mot, persona, brand, j == 0)
            if rng.random() < 0.6:
                rule = self.typed(f"ex:rule-{i}-{j}", "cx:BusinessRule", f"Rule {i}.{j}")
                self.add(mot, "cx:governedBy", rule)
                if rng.random() < 0.5:
                    self.add(rule, "cx:justifiedBy", rng.choice(needs))
                else:
                    self.add(rule, "cx:justifiedBy", rng.choice(g.regulations))
                if rng.random() < 0.3:
                    self.add(rule, "cx:justifiedBy", insight)
        for j, (act, _, mot) in enumerate(steps):  # rules off the moments of truth: no finding
            if not mot and rng.random() < 0.2:
                rule = self.typed(f"ex:rule-{i}-internal-{j}", "cx:BusinessRule", f"Policy {i}.{j}")
                self.add(act, "cx:governedBy", rule)
                if rng.random() < 0.5:
                    self.add(rule, "cx:justifiedBy", insight)
        if has("unjustified-rule"):  # a customer insight alone does not justify it
            rule = self.typed(f"ex:rule-{i}-unjustified", "cx:BusinessRule", f"Old rule {i}")
            self.add(moments[-1], "cx:governedBy", rule)
            if len(g.manifest) % 2:
                self.add(rule, "cx:justifiedBy", insight)
            g.found("unjustified-rule", rule)
        if has("unmeasured-moment-of-truth"):
            mot = self.typed(f"ex:activity-{i}-followup", "cx:MomentOfTruth", f"Follow-up {i}")
            self.add(mot, "cx:viaChannel", g.channel("Phone"))
            self.add(mot, "cx:performedBy", rng.choice(g.parties))
            self.link(leaves[0], "cx:hasStep", mot, "cx:stepOf", 0.5)
            g.found("unmeasured-moment-of-truth", mot)
        exp_metric = f"ex:metric-{i}-experience"
        self.metric(exp_metric, f"ex:experience-{i}-0", None, has("metric-off-target"))
        self.add(exp_metric, "cx:measures", g.promises[brand][i % 3])
        if rng.random() < 0.5:
            self.typed(f"ex:metric-{i}-outcome", "cx:Metric", f"Outcome metric {i}")
            self.add(f"ex:metric-{i}-outcome", "cx:measures", f"ex:outcome-{i}-0")
            self.add(f"ex:metric-{i}-outcome", "cx:targetValue", "90.0")

    def experience(self, exp: str, mot: str, persona: str, brand: int, first: bool) -> None:
        g, rng = self.g, self.rng
        promise = g.promises[brand][g.next_promise[brand] % 3]
        g.next_promise[brand] += 1
        minimum = g.min_score[promise]
        score = minimum + 0.5 * rng.randint(0, int((10 - minimum) * 2))
        if (first or g.dense) and "experience-below-promise" in self.plants:
            score = max(0.0, minimum - 0.5 * rng.randint(1, 8))
            g.found("experience-below-promise", exp)
        self.typed(exp, "cx:Experience", f"Experience {exp[14:]}", 0.7)
        self.link(exp, "cx:occursAt", mot, "cx:hasExperience", 0.2)
        self.link(exp, "cx:realises", promise, "cx:realisedBy", 0.1)
        self.add(exp, "cx:experiencedBy", persona)
        self.add(exp, "cx:score", f"{score:.1f}")

    def inside_out(self) -> None:
        """A top-level process, owned and on the scorecard, that serves no customer."""
        g, i, rng = self.g, self.i, self.rng
        top = self.typed(f"ex:process-{i}-internal", "cx:Process", f"Ledger close {i}")
        dept = rng.choice(g.parties)
        self.add(top, "cx:ownedBy", dept)
        report = self.typed(f"ex:offering-{i}-report", "cx:Product", f"Management report {i}")
        for j in range(2):
            sub = self.typed(f"{top}-{j}", "cx:Process", f"Ledger step {i}.{j}")
            self.add(sub, "cx:subProcessOf", top)
            self.add(sub, "cx:delivers", report)
            act = self.typed(f"ex:activity-{i}-internal-{j}", "cx:Activity", f"Reconcile {i}.{j}")
            self.add(sub, "cx:hasStep", act)
            self.add(act, "cx:performedBy", dept)
        self.metric(f"ex:metric-{i}-internal", top, on_scorecard=True)
        g.found("inside-out-process", top)
