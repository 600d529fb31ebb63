"""The SPARQL a gap rule's SELECT is wrapped in: the update that writes its findings into
the gaps graph as ``cx:Gap`` resources (gap IRI, message, label, severity, evidence built in
the store), the steps splitting long evidence lists, and labels preferred in a language.
Only the catalogue's own texts are composed here: no value from a user reaches them.
"""

from __future__ import annotations

import re
from functools import cache

from cxgraph.errors import InputError
from cxgraph.gap_scope import scoped_text
from cxgraph.queries import SavedQuery

GAP_PREFIX = "urn:cxgraph:gap:"

_PENDING = "urn:cxgraph:gap:pending-evidence"
_EVIDENCE_VARIABLE = re.compile(r"AS\s+\?(evidence\w*)\s*\)")
_SPLIT_WORDS = 8


def _split_binds(text: str, prefix: str, words: int = _SPLIT_WORDS) -> tuple[str, str, str]:
    """BINDs splitting the space-separated IRIs in ``?text``: the first ``words`` become
    ``?<prefix>Evidence1...`` (unbound for the focus itself or past the end), the rest
    ``?<prefix>Left`` (unbound when nothing is left). Returns (binds, evidence variables,
    the rest's variable)."""
    v = f"?{prefix}"
    binds, evidence = [f'BIND(CONCAT(?{text}, " ") AS {v}Rest0)'], []
    for i in range(1, words + 1):
        binds += [
            f'BIND(STRBEFORE({v}Rest{i - 1}, " ") AS {v}Word{i})',
            f'BIND(STRAFTER({v}Rest{i - 1}, " ") AS {v}Rest{i})',
            f'BIND(IF({v}Word{i} != "", IRI({v}Word{i}), ?{prefix}None) AS {v}Iri{i})',
            f"BIND(IF(sameTerm({v}Iri{i}, ?focus), ?{prefix}None, {v}Iri{i}) AS {v}Evidence{i})",
        ]
        evidence.append(f"{v}Evidence{i}")
    rest = f"{v}Rest{words}"
    binds.append(
        f'BIND(IF({rest} != "", SUBSTR({rest}, 1, STRLEN({rest}) - 1), ?{prefix}None) AS {v}Left)'
    )
    return "\n  ".join(binds), ", ".join(evidence), f"{v}Left"


# A rule's SELECT becomes a subquery; around it the gap resource is built: its IRI from a
# digest of the focus IRI (the same as Finding.iri), the message (the rule's title when
# the rule gave none), and the evidence: its first IRIs as cx:evidence, the rest (rare) as
# one pending string, split further by _split_evidence. Only the catalogue's own texts
# are composed here: no value from a user reaches it.
_INSERT_BINDS, _INSERT_EVIDENCE, _INSERT_LEFT = _split_binds("gapAllEvidence", "gap")
_INSERT = f"""
INSERT {{ GRAPH <urn:cxgraph:graph:gaps> {{
  ?gap a cx:Gap ; cx:rule $rule ; cx:focus ?focus ; cx:severity $severity ;
       rdfs:comment ?gapComment ; rdfs:label ?gapLabel ;
       cx:evidence {_INSERT_EVIDENCE} ; <$pending> {_INSERT_LEFT} .
}} }}
$using
WHERE {{
  {{ $select }}
  FILTER(BOUND(?focus))
  BIND(COALESCE(IRI(CONCAT($prefix, SUBSTR(SHA1(STR(?focus)), 1, 16))), BNODE()) AS ?gap)
  BIND(STRLANG(COALESCE(?message, $title), "en") AS ?gapComment)
  BIND(CONCAT($rule, ": ", STR(?focus)) AS ?gapLabel)
  BIND(REPLACE(REPLACE(CONCAT($evidence), " +", " "), "^ | $", "") AS ?gapAllEvidence)
  {_INSERT_BINDS}
}}
"""


# One step of splitting the pending evidence strings (what the insert left): repeated
# until nothing is pending.
def _split_update(words: int) -> str:
    binds, evidence, left = _split_binds("text", "split", words)
    return f"""
PREFIX cx: <https://w3id.org/cxgraph#>
DELETE {{ GRAPH <urn:cxgraph:graph:gaps> {{ ?gap <{_PENDING}> ?text }} }}
INSERT {{ GRAPH <urn:cxgraph:graph:gaps> {{
  ?gap cx:evidence {evidence} ; <{_PENDING}> {left} }} }}
WHERE {{
  GRAPH <urn:cxgraph:graph:gaps> {{ ?gap <{_PENDING}> ?text ; cx:focus ?focus }}
  {binds}
}}
"""


SPLIT = _split_update(_SPLIT_WORDS)
ANY_PENDING = f"ASK {{ GRAPH <urn:cxgraph:graph:gaps> {{ ?gap <{_PENDING}> ?text }} }}"

_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_PREFERRED_LANGUAGE = re.compile(r'(langMatches\(lang\(\?\w+\), )"en"\)')


def label_language(tag: str) -> str:
    """A language tag (BCP 47 shape) for the labels in messages, or an InputError."""
    if not _LANGUAGE_TAG.fullmatch(tag):
        raise InputError(f"--lang {tag!r} is not a language tag (such as en, de or pt-BR)")
    return tag


@cache
def insert_text(rule: SavedQuery, language: str = "en") -> str:
    """The SPARQL update that writes a rule's findings into the gaps graph (with a
    ``$using`` placeholder for the graphs it reads); labels preferred in ``language``
    (a tag checked by :func:`label_language`) instead of the rule's ``"en"``."""
    return wrap_rule(rule, rule.text, language)


@cache
def scoped_insert_text(rule: SavedQuery, language: str = "en") -> str | None:
    """:func:`insert_text` restricted to the foci the scope graph names for the rule
    (see :mod:`cxgraph.gap_scope`), or None when the rule cannot be scoped."""
    text = scoped_text(rule.text, rule.name)
    return None if text is None else wrap_rule(rule, text, language)


def wrap_rule(rule: SavedQuery, text: str, language: str, wrapper: str = _INSERT) -> str:
    """The rule's SELECT put inside ``wrapper`` (the gap-writing update, or another
    text with the same placeholders), labels preferred in ``language``."""
    text = _PREFERRED_LANGUAGE.sub(rf'\1"{label_language(language)}")', text)
    cut = text.index("\nSELECT") + 1
    prologue, select = text[:cut], text[cut:]
    variables = _EVIDENCE_VARIABLE.findall(select)
    evidence = ', " ", '.join(f'COALESCE(?{v}, "")' for v in variables) or '""'
    fields = {
        "$rule": literal(rule.name),
        "$severity": literal(rule.severity or ""),
        "$title": literal(rule.title),
        "$prefix": literal(f"{GAP_PREFIX}{rule.name}:"),
        "$evidence": evidence,
        "$pending": _PENDING,
        "$select": select,
    }
    text = wrapper
    for key, value in fields.items():
        text = text.replace(key, value)
    return prologue + text


def literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


__all__ = [
    "ANY_PENDING",
    "GAP_PREFIX",
    "SPLIT",
    "insert_text",
    "label_language",
    "literal",
    "scoped_insert_text",
    "wrap_rule",
]
