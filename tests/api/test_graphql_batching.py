"""Resolvers read through batched loaders: the number of store queries a document runs
depends on its shape, not on how many resources it returns."""

from __future__ import annotations

from pathlib import Path

from tests.api.test_graphql_support import PREFIXES, build_model, count_store_queries, data

DOCUMENT = """{ personas(first: 100) { totalCount nodes {
  label gaps { rule }
  needs { label metBy { label isTopLevel } }
  servedBy { iri }
} } }"""


def generated_model(personas: int) -> str:
    """``personas`` personas with 3 needs each; each need is fulfilled by an offering
    that a sub-process of one of 5 end-to-end processes delivers."""
    lines = [PREFIXES]
    for p in range(5):
        lines.append(f'ex:top{p} a cx:Process ; rdfs:label "Process {p}" .')
        lines.append(f'ex:sub{p} rdfs:label "Sub-process {p}" ; cx:subProcessOf ex:top{p} .')
    for i in range(personas):
        lines.append(f'ex:persona{i} rdfs:label "Persona {i:03d}" .')
        for j in range(3):
            need, offering = f"ex:need{i}_{j}", f"ex:offering{i}_{j}"
            lines.append(f'ex:persona{i} cx:hasNeed {need} . {need} rdfs:label "Need {i}.{j}" .')
            lines.append(f"{offering} cx:fulfils {need} ; cx:deliveredBy ex:sub{(i + j) % 5} .")
    return "\n".join(lines) + "\n"


def queries_for(tmp_path: Path, personas: int) -> int:
    kg = build_model(tmp_path, generated_model(personas), name=f"generated-{personas}.ttl")
    with count_store_queries(kg) as counter:
        result = data(kg, DOCUMENT)["personas"]
    assert result["totalCount"] == personas
    assert len(result["nodes"]) == personas
    for node in result["nodes"]:
        assert len(node["needs"]) == 3
        for need in node["needs"]:
            # met by the sub-process and, through it, by its end-to-end process
            assert sorted(p["isTopLevel"] for p in need["metBy"]) == [False, True]
        assert len(node["servedBy"]) >= 2
    return counter.calls


def test_store_queries_do_not_grow_with_the_number_of_personas(tmp_path: Path) -> None:
    ten = queries_for(tmp_path, 10)
    hundred = queries_for(tmp_path, 100)
    assert ten == hundred
    # one query each: the page of personas (keyset), their count, their labels, the
    # findings (read from the gaps graph once), need links, need labels, metBy links,
    # process labels, the process tree, servedBy links
    assert hundred <= 10
