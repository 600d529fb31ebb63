"""The triple patterns of a gap rule, read from its text, with the scope of each variable:
what :mod:`cxgraph.gap_scope` follows from a changed triple to the rule's ``?focus``.

A small parser of the group-pattern subset the catalogue uses (triple blocks, OPTIONAL,
MINUS, FILTER [NOT] EXISTS, BIND, VALUES, UNION, sub-SELECT), over the shared SPARQL
tokens (:mod:`cxgraph.sparql_tokens`). Property paths, GRAPH, SERVICE, BASE, collections,
blank-node property lists and anything else it does not know raise :class:`Unsupported`.
A MINUS, [NOT] EXISTS, UNION branch or sub-SELECT opens a scope of its own; OPTIONAL and
plain groups share their parent's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxgraph.namespaces import RDF
from cxgraph.sparql_tokens import tokens


def parse_rule(text: str) -> Parsed:
    """The rule's patterns, scopes and where its text takes a scope restriction."""
    return _Parser(text).query()


# -- tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int

    def keyword(self, *words: str) -> bool:
        return self.kind == "name" and self.text.upper() in words


class Unsupported(Exception):
    """The rule uses SPARQL the scope analysis does not read."""


_KINDS = {"bnode": "blank", "word": "name", "other": "punct"}


def _tokens(text: str) -> list[_Token]:
    found = []
    for match in tokens(text):
        kind = match.lastgroup or ""
        if kind == "stray":
            raise Unsupported(f"cannot read {match.group()!r}")
        found.append(_Token(_KINDS.get(kind, kind), match.group(), match.start()))
    return found


# -- the group-pattern tree ----------------------------------------------------------------

Term = tuple[str, str]  # ("var", name) or ("const", SPARQL text)


@dataclass
class Scope:
    """Where variable names mean the same variable: a group and its OPTIONAL and plain
    sub-groups; MINUS, [NOT] EXISTS, UNION branches and sub-SELECTs open a new one."""

    id: int
    parent: Scope | None
    projected: set[str] | None = None  # a sub-SELECT's projection (None: not a sub-SELECT)
    mentions: set[str] = field(default_factory=set)


@dataclass
class Pattern:
    scope: Scope
    terms: tuple[Term, Term, Term]
    direct_group: int  # the id of the group that directly holds it


@dataclass
class Parsed:
    patterns: list[Pattern] = field(default_factory=list)
    scopes: list[Scope] = field(default_factory=list)
    outer_open: int = -1  # offset of the outer group's "{"
    outer_binds_focus: bool = False
    minus_sites: list[int] = field(default_factory=list)  # "{" offsets of eligible MINUS


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.prefixes: dict[str, str] = {}
        self.result = Parsed()
        self._groups = 0

    # token helpers
    def peek(self, ahead: int = 0) -> _Token:
        if self.at + ahead >= len(self.tokens):
            raise Unsupported("unexpected end")
        return self.tokens[self.at + ahead]

    def take(self) -> _Token:
        token = self.peek()
        self.at += 1
        return token

    def expect(self, text: str) -> _Token:
        token = self.take()
        if token.text != text:
            raise Unsupported(f"expected {text!r}, found {token.text!r}")
        return token

    def new_scope(self, parent: Scope | None, projected: set[str] | None = None) -> Scope:
        scope = Scope(len(self.result.scopes), parent, projected)
        self.result.scopes.append(scope)
        return scope

    # the query
    def query(self) -> Parsed:
        while self.peek().keyword("PREFIX", "BASE"):
            if self.take().keyword("BASE"):
                raise Unsupported("BASE")
            name, iri = self.take(), self.take()
            if name.kind != "pname" or iri.kind != "iri":
                raise Unsupported("PREFIX")
            self.prefixes[name.text[:-1]] = iri.text[1:-1]
        if not self.take().keyword("SELECT"):
            raise Unsupported("not a SELECT")
        self._skip_projection()
        top = self.new_scope(None)
        self.result.outer_open = self.peek().start
        direct = self.group(top, outer=True)
        self.result.outer_binds_focus = "focus" in direct
        return self.result

    def _skip_projection(self) -> set[str] | None:
        """Skip a SELECT's projection up to its WHERE group; the projected variables
        (None for ``*``)."""
        projected: set[str] | None = set()
        depth = 0
        while not (depth == 0 and (self.peek().text == "{" or self.peek().keyword("WHERE"))):
            token = self.take()
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
            elif token.text == "*" and depth == 0:
                projected = None
            elif (
                token.kind == "var"
                and projected is not None
                and (depth == 0 or self.tokens[self.at - 2].keyword("AS"))
            ):
                projected.add(token.text[1:])
        if self.peek().keyword("WHERE"):
            self.take()
        return projected

    def group(self, scope: Scope, outer: bool = False) -> set[str]:
        """A ``{ ... }`` group; returns the variables its own triple blocks name."""
        self.expect("{")
        group_id = self._groups
        self._groups += 1
        direct: set[str] = set()
        while self.peek().text != "}":
            token = self.peek()
            if token.text == ".":
                self.take()
            elif token.text == "{":
                self._nested(scope)
            elif token.keyword("OPTIONAL"):
                self.take()
                self.group(scope)
            elif token.keyword("MINUS"):
                self.take()
                opening = self.peek().start
                if "focus" in self.group(self.new_scope(scope)) and outer:
                    self.result.minus_sites.append(opening)
            elif token.keyword("FILTER", "BIND"):
                self.take()
                self._expression(scope)
            elif token.keyword("VALUES"):
                self.take()
                self._skip_values()
            elif token.kind == "name" and not token.keyword("A", "TRUE", "FALSE"):
                raise Unsupported(token.text)
            else:
                direct |= self._triples(scope, group_id)
        self.take()
        return direct

    def _nested(self, scope: Scope) -> None:
        """A nested group or sub-SELECT, maybe the first branch of a UNION."""
        if self.peek(1).keyword("SELECT"):
            self.take()
            self.take()
            projected = self._skip_projection()
            inner = self.new_scope(scope, projected)
            self.group(inner)
            if projected is None:
                inner.projected = set(inner.mentions)
            while self.peek().text != "}":
                token = self.take()
                if not (
                    token.keyword("GROUP", "BY", "ORDER", "ASC", "DESC", "LIMIT", "OFFSET")
                    or token.kind in ("var", "number")
                ):
                    raise Unsupported(f"sub-SELECT modifier {token.text}")
            self.take()
            return
        if self.peek(1).text == "}" or not self._followed_by_union():
            self.group(scope)
            return
        self.group(self.new_scope(scope))
        while self.peek().keyword("UNION"):
            self.take()
            self.group(self.new_scope(scope))

    def _followed_by_union(self) -> bool:
        depth, ahead = 0, 0
        while True:
            text = self.peek(ahead).text
            depth += (text == "{") - (text == "}")
            ahead += 1
            if depth == 0:
                return self.peek(ahead).keyword("UNION")

    def _expression(self, scope: Scope) -> None:
        """A FILTER or BIND expression; [NOT] EXISTS groups inside it are read."""
        if self.peek().keyword("NOT", "EXISTS"):
            if self.take().keyword("NOT"):
                self.take()
            self.group(self.new_scope(scope))
            return
        if self.peek().kind == "name":
            self.take()  # a function name: FILTER regex(...)
        self.expect("(")
        depth = 1
        while depth:
            token = self.peek()
            if token.keyword("EXISTS"):
                self.take()
                self.group(self.new_scope(scope))
                continue
            self.take()
            depth += (token.text == "(") - (token.text == ")")

    def _skip_values(self) -> None:
        while self.take().text != "{":
            pass
        depth = 1
        while depth:
            text = self.take().text
            depth += (text == "{") - (text == "}")

    def _triples(self, scope: Scope, group_id: int) -> set[str]:
        """One subject with its predicate-object list."""
        named: set[str] = set()
        subject = self._term()
        while True:
            verb = self.take()
            if verb.keyword("A") and verb.text == "a":
                predicate: Term = ("const", f"<{RDF}type>")
            elif verb.kind in ("iri", "pname"):
                predicate = ("const", self._iri(verb))
            else:
                raise Unsupported(f"predicate {verb.text}")
            while True:
                obj = self._term()
                pattern = Pattern(scope, (subject, predicate, obj), group_id)
                self.result.patterns.append(pattern)
                for kind, value in (subject, obj):
                    if kind == "var":
                        scope.mentions.add(value)
                        named.add(value)
                if self.peek().text != ",":
                    break
                self.take()
            if self.peek().text != ";":
                return named
            while self.peek().text == ";":
                self.take()
            if self.peek().text in (".", "}") or self.peek().keyword(
                "OPTIONAL", "MINUS", "FILTER", "BIND", "VALUES"
            ):
                return named

    def _term(self) -> Term:
        token = self.take()
        if token.kind == "var":
            return ("var", token.text[1:])
        if token.kind in ("iri", "pname"):
            return ("const", self._iri(token))
        if token.text in ("+", "-") and self.peek().kind == "number":
            return ("const", token.text + self.take().text)
        if token.kind == "number" or token.keyword("TRUE", "FALSE"):
            return ("const", token.text.lower() if token.kind == "name" else token.text)
        if token.kind == "string":
            text = token.text
            if self.peek().text == "@":
                text += self.take().text + self.take().text
                while self.peek().text == "-":
                    text += self.take().text + self.take().text
            elif self.peek().text == "^" and self.peek(1).text == "^":
                self.take()
                self.take()
                text += "^^" + self._iri(self.take())
            return ("const", text)
        raise Unsupported(f"term {token.text}")

    def _iri(self, token: _Token) -> str:
        if token.kind == "iri":
            return token.text
        if token.kind != "pname":
            raise Unsupported(f"IRI {token.text}")
        prefix, local = token.text.split(":", 1)
        if prefix not in self.prefixes or "\\" in local:
            raise Unsupported(f"prefix {prefix}")
        return f"<{self.prefixes[prefix]}{local}>"


__all__ = ["Parsed", "Pattern", "Scope", "Term", "Unsupported", "parse_rule"]
