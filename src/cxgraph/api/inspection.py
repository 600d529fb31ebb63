"""The guard that inspects SPARQL text before pyoxigraph sees it.

``SERVICE`` and ``LOAD`` are refused (pyoxigraph would make the HTTP request), ``file:``
IRIs are refused, nesting deeper than ``MAX_NESTING`` is refused (pyoxigraph's parser
would overflow the stack), flat chains longer than ``MAX_CHAIN`` are refused (the same
stack, reached by breadth), and the ``FROM`` / ``FROM NAMED`` clauses are read so that the
dataset is always made of graphs the store holds. Nothing here is fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from cxgraph.api.protocol import bad_request
from cxgraph.namespaces import PREFIXES
from cxgraph.sparql_tokens import token_pattern

_REFUSED_WORDS = ("SERVICE", "LOAD")
MAX_NESTING = 64
"""How deep brackets (``{ ( [ <<``) and runs of prefix operators (``! ^ - +``) may nest
in a query or update. pyoxigraph's parser and planner recurse on nesting: 300 nested
``[ ]`` or 850 nested ``FILTER EXISTS { }`` overflow the stack (the process dies), and
128 nested ``[ ]`` already take 3 s to plan."""
_OPENING, _CLOSING, _PREFIX_OPERATORS = "{([", "})]", "!^-+"
MAX_CHAIN = 1_000
"""How many chaining elements a flat query or update may have: the keywords ``BIND``,
``OPTIONAL``, ``MINUS``, ``UNION``, ``FILTER``, ``EXISTS`` and the operator characters
``& | + - * / = < > ! ^`` outside IRIs, strings and names. pyoxigraph turns a flat chain
into a deep algebra tree and recurses on it: in a thread with an 8 MiB stack, 3,000
``BIND``s, 3,000 ``OPTIONAL``s, 3,000 ``MINUS``es or 8,000 ``+`` overflow the stack (the
process dies), while 2,000 / 2,500 / 2,000 / 6,000 pass. ``VALUES`` rows and function
arguments do not chain (16,000 ``VALUES`` rows take 0.02 s), so they are not counted."""
_CHAIN_WORDS = frozenset({"BIND", "OPTIONAL", "MINUS", "UNION", "FILTER", "EXISTS"})
_CHAIN_OPERATORS = frozenset("&|+-*/=<>!^")


@dataclass(frozen=True)
class Inspection:
    """What the guard learnt from a query or update text."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


class _Nesting:
    """Counts open brackets (``<<`` counts once) and the current run of prefix
    operators, token by token."""

    def __init__(self) -> None:
        self.depth = 0
        self.run = 0
        self.pair_pending = False

    def exceeded(self, kind: str, value: str, text: str, end: int) -> bool:
        """Take one token (spaces and comments excluded); True once too deep."""
        pending, self.pair_pending = self.pair_pending, False
        if kind != "other":
            self.run = 0
            return False
        if value in _PREFIX_OPERATORS:
            self.run += 1
        else:
            self.run = 0
        if value in _OPENING:
            self.depth += 1
        elif value in _CLOSING:
            self.depth -= 1
        elif value in "<>" and not pending and text.startswith(value, end):
            self.depth += 1 if value == "<" else -1  # << or >>: one level
            self.pair_pending = True
        return self.depth + self.run > MAX_NESTING


def _unescape_iri(raw: str) -> str:
    return re.sub(
        r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})",
        lambda m: chr(int(m.group(1) or m.group(2), 16)),
        raw[1:-1],
    )


def _line(text: str, match: re.Match[str]) -> int:
    return text.count("\n", 0, match.start()) + 1


def inspect_sparql(text: str, base_iri: str) -> Inspection:
    """Refuse SERVICE, LOAD and ``file:`` IRIs before evaluation; return FROM clauses.

    pyoxigraph's parser matches keywords without word boundaries (``SERVICESILENT``,
    ``trueSERVICE`` and ``SERVICE:x`` all parse as SERVICE), so any bare word or prefix
    name that contains SERVICE or LOAD is refused; IRIs, strings, comments, variables and
    local names cannot hide a keyword. A stray quote or backslash is refused too, so this
    tokenizer and the parser never disagree on where a string ends. Nesting deeper than
    ``MAX_NESTING`` is refused (``too_deeply_nested``) before the parser can recurse on it."""
    prefixes: dict[str, str] = dict(PREFIXES)
    base = base_iri
    default_graphs: list[str] = []
    named_graphs: list[str] = []
    previous: list[tuple[str, str]] = []
    nesting = _Nesting()
    chain = 0
    for match in token_pattern().finditer(text):
        kind = match.lastgroup or "other"
        value = match.group()
        if kind in ("space", "comment"):
            continue
        if kind == "stray":
            raise bad_request(f"unbalanced {value!r} at line {_line(text, match)}", "syntax_error")
        if nesting.exceeded(kind, value, text, match.end()):
            raise bad_request(
                f"the text nests deeper than {MAX_NESTING} levels (line "
                f"{_line(text, match)}); flatten the query",
                "too_deeply_nested",
            )
        if (kind == "other" and value in _CHAIN_OPERATORS) or (
            kind == "word" and value.upper() in _CHAIN_WORDS
        ):
            chain += 1
            if chain > MAX_CHAIN:
                raise bad_request(
                    f"the text chains more than {MAX_CHAIN} patterns and operators (BIND, "
                    f"OPTIONAL, MINUS, UNION, FILTER, && and the like; line "
                    f"{_line(text, match)}), more than the engine can plan safely; use "
                    "VALUES or IN (...) for long lists, or split the query",
                    "too_long_chain",
                )
        if kind == "word" or (kind == "pname" and match.group("prefix")):
            word = (value if kind == "word" else match.group("prefix")).upper()
            for refused in _REFUSED_WORDS:
                if refused in word:
                    raise bad_request(
                        f"{refused} is not allowed (line {_line(text, match)}): cxgraph "
                        "never fetches remote data; load files with POST /upload",
                        refused.lower(),
                    )
        iri: str | None = None
        if kind == "iri":
            iri = urljoin(base, _unescape_iri(value))
            if iri.lower().startswith("file:") or value[1:].lower().startswith("file:"):
                raise bad_request(
                    f"file: IRIs are not allowed (line {_line(text, match)})", "file_iri"
                )
        elif kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix in prefixes:
                iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        last = previous[-1] if previous else ("", "")
        before = previous[-2] if len(previous) > 1 else ("", "")
        if kind == "iri" and last[0] == "pname" and before == ("word", "PREFIX"):
            prefixes[last[1].rstrip(":")] = iri or ""
        elif kind == "iri" and last == ("word", "BASE"):
            base = iri or base
        elif iri is not None and last == ("word", "FROM"):
            default_graphs.append(iri)
        elif iri is not None and last == ("word", "NAMED") and before == ("word", "FROM"):
            named_graphs.append(iri)
        previous.append((kind, value.upper() if kind == "word" else value))
    return Inspection(tuple(default_graphs), tuple(named_graphs))
