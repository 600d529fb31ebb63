"""SPARQL text as tokens, the way a SPARQL parser reads it: IRIs, strings, comments,
variables, blank nodes, prefixed names, numbers, words and punctuation. Used to inspect a
query or update before it is evaluated (:mod:`cxgraph.api.inspection`) and to recognise
updates made only of ``INSERT DATA`` and ``DELETE DATA`` (:mod:`cxgraph.changes`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

_PN = (
    r"A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
    r"\u2070-\uFFFF\U00010000-\U000EFFFF"
)
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_LOCAL_CHAR = rf"[{_PN}0-9_:\-\u00B7\u0300-\u036F\u203F-\u2040]|{_PLX}"
_PATTERN = rf"""
    (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<comment>\#[^\n\r]*)
  | (?P<var>[?$][{_PN}0-9_\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<bnode>_:[{_PN}0-9_](?:[{_PN}0-9_.\-\u00B7\u0300-\u036F\u203F-\u2040]*
                               [{_PN}0-9_\-\u00B7\u0300-\u036F\u203F-\u2040])?)
  | (?P<pname>(?P<prefix>[{_PN}](?:[{_PN}0-9_.\-\u00B7]*[{_PN}0-9_\-\u00B7])?)?:
               (?:(?:{_LOCAL_CHAR})(?:(?:{_LOCAL_CHAR}|\.)*(?:{_LOCAL_CHAR}))?)?)
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<space>\s+)
  | (?P<stray>["'\\])
  | (?P<other>.)
    """
_FLAGS = re.VERBOSE | re.DOTALL


@cache
def token_pattern() -> re.Pattern[str]:
    """The compiled tokenizer (compiled on first use: its Unicode classes take 25 ms, paid
    only by commands that read SPARQL text). One token per match; the group that matched
    names its kind (``match.lastgroup``)."""
    return re.compile(_PATTERN, _FLAGS)


def tokens(text: str) -> Iterator[re.Match[str]]:
    """The tokens of ``text`` that carry meaning (no spaces, no comments)."""
    for match in token_pattern().finditer(text):
        if match.lastgroup not in ("space", "comment"):
            yield match
