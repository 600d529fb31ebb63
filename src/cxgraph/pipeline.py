"""The data flow in one place: load → infer → validate (on demand) → detect gaps.

:func:`build_knowledge_graph` turns model files into a :class:`KnowledgeGraph`, the one
value the CLI, the SPARQL endpoint and GraphQL read. The knowledge graph owns its writes:
:meth:`~KnowledgeGraph.update` (SPARQL 1.1 Update), :meth:`~KnowledgeGraph.put_graph`,
:meth:`~KnowledgeGraph.post_graph`, :meth:`~KnowledgeGraph.drop_graph` (the Graph Store
Protocol's operations) and
:meth:`~KnowledgeGraph.load` (model files). Each is all-or-nothing, checked against the
shapes as :attr:`KnowledgeGraph.write_validation` says, and brings the inferred graph and
the findings up to date before returning; failures are library exceptions
(:class:`cxgraph.errors.WriteRefused`, :class:`cxgraph.errors.ShapesViolated`,
:class:`cxgraph.errors.InputError`), the store unchanged. HTTP and the CLI both call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from cxgraph import changes, resources, writes
from cxgraph.changes import Changes
from cxgraph.diagnostics import Diagnostic, diagnose_load
from cxgraph.errors import InputError, WriteRefused
from cxgraph.gap_select import one_shot_report, read_rules
from cxgraph.gap_texts import label_language
from cxgraph.gaps import (
    Finding,
    Severity,
    read_findings,
    write_gaps,
)
from cxgraph.incremental import ChangeReport, apply_change
from cxgraph.namespaces import GAPS_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from cxgraph.profiles import ReasoningProfile, WriteValidation
from cxgraph.reasoning import InferenceReport, infer
from cxgraph.sources import Source, SourceFormat
from cxgraph.store import QueryResult, RemoteLocation, Store

if TYPE_CHECKING:  # rdflib and pyshacl load only when validation or rdflib is asked for
    import rdflib

    from cxgraph.validation import ValidationReport


@dataclass
class KnowledgeGraph:
    """A reasoned CX model with its findings, over one store."""

    store: Store
    profile: ReasoningProfile = ReasoningProfile.RULES
    inference: InferenceReport | None = None
    _findings: list[Finding] | None = field(default=None, repr=False)
    version: int = 0
    """Bumped by every write, so readers forked from an older state are retired."""
    language: str = "en"
    """The language messages name entities in (their label in it, else untagged, else any)."""
    load_diagnostics: list[Diagnostic] = field(default_factory=list)
    """What the last load read but cannot use (see ``diagnostics``)."""
    write_validation: WriteValidation = WriteValidation.OFF
    """What a write that breaks the SHACL shapes gets (see :mod:`cxgraph.writes`)."""
    attached: bool = False
    """Opened with :func:`attach_knowledge_graph`: another process keeps this store up to
    date, so findings are read afresh every time and writes are refused."""
    one_shot: bool = False
    """Built for one gap report and dropped (``cxgraph gaps`` on files): only what the gap
    rules read is inferred and the findings are not written to the gaps graph (the same
    findings, in about half the time at 1M triples). SPARQL over it would miss the
    inferences no gap rule reads, so it is never served, and writes are refused."""

    @property
    def warnings(self) -> list[Diagnostic]:
        """Warnings about the model: from the last load and from reasoning."""
        inferred = self.inference.diagnostics if self.inference is not None else []
        return [*self.load_diagnostics, *inferred]

    @property
    def findings(self) -> list[Finding]:
        """The findings in the gaps graph, made Python values when first asked for."""
        if self.attached:
            return read_findings(self.store)
        with self.store.lock:
            if self._findings is None:
                self._findings = read_findings(self.store)
            return self._findings

    @findings.setter
    def findings(self, value: list[Finding]) -> None:
        self._findings = value

    def query(self, text: str, **kwargs: object) -> QueryResult:
        """Run SPARQL over the union of all graphs."""
        return self.store.query(text, **kwargs)  # type: ignore[arg-type]

    def gaps(
        self, rules: Sequence[str] | None = None, severities: Sequence[Severity] | None = None
    ) -> list[Finding]:
        """The current findings, optionally only some rules or severities."""
        return [
            f
            for f in self.findings
            if (not rules or f.rule in rules) and (not severities or f.severity in severities)
        ]

    def refresh(self) -> None:
        """Recompute the inferred graph and the gaps from the asserted graphs."""
        with self.store.lock:
            self.version += 1
            if self.one_shot:
                self.inference, self._findings = one_shot_report(
                    self.store, self.profile, self.language
                )
            else:
                self.inference = infer(self.store, self.profile)
                write_gaps(self.store, language=self.language)
                self._findings = None
            self.store.flush()

    def apply_sources(self, sources: Sequence[Source]) -> dict[str, int]:
        """Load sources (all or nothing), then refresh inference and gaps."""
        with self.store.lock, ThreadPoolExecutor(1) as pool:
            # the store parses without the GIL: a one-shot report reads its gap rules
            # meanwhile (0.05 s of Python at every start)
            reading = pool.submit(read_rules, self.language) if self.one_shot else None
            counts = self.store.load_sources(sources)
            if reading is not None:
                reading.result()
            # the diagnostics read the data graphs only, which reasoning does not write:
            # they run beside it (1 s of scans at 1M dense, on the other core)
            diagnosing = pool.submit(diagnose_load, self.store, sources, counts)
            try:
                self.refresh()
            finally:
                self.load_diagnostics = diagnosing.result()
        return counts

    # -- the write API -------------------------------------------------------------------

    def update(self, text: str, *, base_iri: str | None = None) -> dict[str, object]:
        """Run one SPARQL 1.1 update (see :mod:`cxgraph.changes` for what it may change);
        returns the write's summary (see :func:`cxgraph.writes.commit`)."""
        self._require_writable()
        with self.store.lock:
            return self.commit(changes.updating(self.store, text, base_iri))

    def put_graph(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> dict[str, object]:
        """Make the data graph ``graph`` hold exactly ``triples`` (created if absent)."""
        with self.store.lock:
            return self.commit(changes.replacing(self.store, graph, triples))

    def post_graph(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> dict[str, object]:
        """Add ``triples`` to the data graph ``graph`` (created if absent)."""
        with self.store.lock:
            return self.commit(changes.adding(self.store, graph, triples))

    def drop_graph(self, graph: ox.NamedNode) -> dict[str, object]:
        """Drop the data graph ``graph`` (WriteRefused ``not_found`` when absent)."""
        with self.store.lock:
            return self.commit(changes.dropping(self.store, graph))

    def load(self, sources: Sequence[Source]) -> dict[str, object]:
        """Load model files, each replacing its data graph; returns the quads read per
        source (``sources``), the findings and the validation report (unless off)."""
        self._require_writable()
        counts, validation = writes.validated(self, lambda kg: kg.apply_sources(sources))
        return {"sources": counts, "findings": len(self.findings), **validation}

    def commit(self, planned: Changes) -> dict[str, object]:
        """Apply changes worked out beforehand (e.g. in a sandbox worker, under a
        deadline, with :func:`cxgraph.changes.updating`); see :func:`cxgraph.writes.commit`."""
        self._require_writable()
        with self.store.lock:
            return writes.commit(self, planned)

    def _require_writable(self) -> None:
        if self.one_shot:
            raise WriteRefused(
                "read_only_instance",
                "this knowledge graph was built for one gap report (one_shot): its "
                "inferred graph is partial; build one without one_shot to write",
            )
        if self.attached:
            raise WriteRefused(
                "read_only_instance",
                "this knowledge graph is attached to a store another cxgraph process "
                "writes; send writes to that process",
            )

    def copy(self) -> KnowledgeGraph:
        """An in-memory copy (every graph, empty ones too, and the findings)."""
        store = Store()
        self.store.copy_into(store)
        return KnowledgeGraph(
            store,
            self.profile,
            self.inference,
            list(self.findings),
            self.version,
            self.language,
            list(self.load_diagnostics),
            self.write_validation,
            one_shot=self.one_shot,
        )

    # -- the steps writes are made of ------------------------------------------------------

    def change(
        self, additions: Sequence[ox.Quad] = (), removals: Sequence[ox.Quad] = ()
    ) -> ChangeReport:
        """Add and remove asserted quads (in data graphs), then bring the inferred graph
        and the findings up to date incrementally (delete and rederive)."""
        with self.store.lock:
            self.version += 1
            report = apply_change(
                self.store, list(additions), list(removals), self.profile, self.language
            )
            self._findings = None
            self.store.flush()
        return report

    def validate(self) -> ValidationReport:
        """SHACL validation of the reasoned model."""
        from cxgraph.validation import validate

        return validate(self.store)

    def export(
        self,
        fmt: SourceFormat,
        graphs: Sequence[ox.NamedNode] | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> bytes:
        """Serialise graphs (default: data, inferred and gaps), with ``prefixes`` where
        the format has them."""
        chosen = graphs if graphs is not None else self.default_export_graphs()
        return self.store.serialize(fmt, chosen, prefixes)

    def default_export_graphs(self) -> list[ox.NamedNode]:
        return [*self.store.data_graphs(), INFERRED_GRAPH, GAPS_GRAPH]

    def to_rdflib(self) -> rdflib.Graph:
        """An rdflib copy of everything (ontology, data, inferred, gaps)."""
        return self.store.to_rdflib()


def open_store(store_path: Path | RemoteLocation | None = None) -> Store:
    """A store with the bundled ontology (re)loaded into the ontology graph."""
    store = Store(store_path)
    store.drop_scratch_graphs()
    store.load_ontology(Source.from_path(resources.ontology_file()))
    return store


def open_knowledge_graph(
    store_path: Path | RemoteLocation,
    *,
    profile: ReasoningProfile = ReasoningProfile.RULES,
    language: str = "en",
    write_validation: WriteValidation = WriteValidation.OFF,
) -> KnowledgeGraph:
    """The model a persistent or remote store holds, to write to: nothing is loaded (no
    samples), and inference and gaps are recomputed only when the store lacks them or the
    bundled ontology changed since they were. InputError when the store holds no model."""
    if isinstance(store_path, Path) and not (store_path / "CURRENT").exists():
        raise InputError(f"{store_path}: no store here; load a model into it first")
    store = Store(store_path)
    if not store.data_graphs():
        raise InputError(
            f"{store_path} holds no model: load one first (cxgraph gaps --store ... --data FILE)"
        )
    current = store.has_graph(INFERRED_GRAPH) and store.has_graph(GAPS_GRAPH)
    ontology = Source.from_path(resources.ontology_file())
    if not store.holds_ontology(ontology):
        store.drop_scratch_graphs()
        store.load_ontology(ontology)
        current = False
    kg = KnowledgeGraph(
        store,
        profile,
        language=label_language(language),
        write_validation=write_validation,
    )
    if not current:
        kg.refresh()
    return kg


def build_knowledge_graph(
    data: Sequence[Path] | None = None,
    *,
    store_path: Path | RemoteLocation | None = None,
    profile: ReasoningProfile = ReasoningProfile.RULES,
    source_format: SourceFormat | None = None,
    strict: bool = False,
    language: str = "en",
    write_validation: WriteValidation = WriteValidation.OFF,
    one_shot: bool = False,
) -> KnowledgeGraph:
    """Load ``data`` (default: the bundled samples, unless a persistent store already holds
    data), reason and detect gaps. Raises InputError, store unchanged, on bad input, and
    with ``strict`` on any warning (a persistent store is checked in memory first).
    ``one_shot``: for one gap report from an in-memory store (see
    :attr:`KnowledgeGraph.one_shot`)."""
    if one_shot and store_path is not None:
        raise ValueError("one_shot knowledge graphs live in memory: no store_path")
    sources = [Source.from_path(p, source_format) for p in data or []]
    if strict and store_path is not None and sources:
        build_knowledge_graph(
            data, profile=profile, source_format=source_format, strict=True, language=language
        )
    store = open_store(store_path)
    if not sources and not store.data_graphs():
        sources = [Source.from_path(p) for p in resources.sample_files()]
    kg = KnowledgeGraph(
        store,
        profile,
        language=label_language(language),
        write_validation=write_validation,
        one_shot=one_shot,
    )
    if sources:
        kg.apply_sources(sources)
    else:
        kg.refresh()
    if strict and kg.warnings:
        raise StrictError(kg.warnings)
    return kg


def attach_knowledge_graph(
    store_path: Path | RemoteLocation,
    *,
    profile: ReasoningProfile = ReasoningProfile.RULES,
    language: str = "en",
) -> KnowledgeGraph:
    """The knowledge graph a remote store already holds, as another cxgraph process keeps
    it (its writing instance): nothing is loaded, reasoned or written, findings are read
    from the store's gaps graph each time they are asked for, and writes are refused
    (WriteRefused ``read_only_instance``). For serving replicas behind a proxy; InputError
    when the store holds no reasoned cxgraph model."""
    if not isinstance(store_path, RemoteLocation):
        raise InputError(
            f"{store_path}: only a remote store can be attached to (a store directory is "
            "locked by the process that opened it)"
        )
    store = Store(store_path)
    missing = [
        g.value for g in (ONTOLOGY_GRAPH, INFERRED_GRAPH, GAPS_GRAPH) if not store.has_graph(g)
    ]
    if missing:
        raise InputError(
            f"{store_path} holds no reasoned cxgraph model (no {', '.join(missing)}): start "
            "its writing instance first (cxgraph serve --store URL, or cxgraph gaps --store "
            "URL --data FILE)"
        )
    return KnowledgeGraph(store, profile, language=label_language(language), attached=True)


class StrictError(InputError):
    """``strict`` and the model has warnings: each is named, nothing is kept."""

    def __init__(self, warnings: Sequence[Diagnostic]) -> None:
        self.warnings = list(warnings)
        lines = "\n".join(f"  {w}" for w in warnings)
        super().__init__(f"{len(warnings)} warning(s) and --strict:\n{lines}")
