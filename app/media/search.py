"""A small part of ImageKit's `searchQuery` language: enough to find files by name, tags
and privacy.

    name = "dog.jpg"          exact name          name : "dog"     name starts with
    tags = "red"              has the tag         tags IN ["a","b"] has any of them
    private = true            isPrivateFile       NOT before =, : or IN negates
    clauses joined by AND and OR (AND binds tighter); no parentheses.

Anything else (other fields, dates, sizes, parentheses) is a 400 naming what is not
supported, so a query never silently matches more than was asked. Bounded in length and
clauses before it is parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from app.media.errors import bad_field
from sources.library import Entry

MAX_QUERY = 2000
MAX_CLAUSES = 32
FIELDS = ("name", "tags", "private")
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<list>\[[^\]]*\])
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<op>=|:)
    )""",
    re.VERBOSE,
)

Match = Callable[[Entry], bool]


@dataclass(frozen=True)
class _Clause:
    field: str
    op: str  # "=", ":" or "IN"
    negate: bool
    values: tuple[str | bool, ...]

    def __call__(self, entry: Entry) -> bool:
        return self.matches(entry) != self.negate

    def matches(self, entry: Entry) -> bool:
        if self.field == "private":
            return entry.meta.private in self.values
        names = [entry.path.rsplit("/", 1)[-1]] if self.field == "name" else entry.meta.tags
        if self.op == ":":
            return any(n.startswith(str(v)) for n in names for v in self.values)
        return any(n == v for n in names for v in self.values)


def _tokens(query: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        m = _TOKEN.match(query, pos)
        if m is None:
            raise bad_field("searchQuery", f"cannot read it at character {pos + 1}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _value(kind: str, text: str) -> tuple[str | bool, ...]:
    try:
        if kind == "string":
            return (json.loads(text),)
        if kind == "list":
            items = json.loads(text)
            if isinstance(items, list) and items and all(isinstance(i, str) for i in items):
                return tuple(items)
        if kind == "word" and text in ("true", "false"):
            return (text == "true",)
    except ValueError:
        pass
    raise bad_field("searchQuery", f"{text[:40]!r} is not a value Signet can search for")


def parse_query(query: str) -> Match:
    """A predicate over entries; raises MediaError(400) for what is not supported."""
    if len(query) > MAX_QUERY:
        raise bad_field("searchQuery", f"at most {MAX_QUERY} characters")
    tokens = _tokens(query)
    groups: list[list[_Clause]] = [[]]
    i, clauses = 0, 0
    while i < len(tokens):
        kind, text = tokens[i]
        if kind != "word" or text not in FIELDS:
            raise bad_field(
                "searchQuery", f"{text[:40]!r}: Signet searches only name, tags and private"
            )
        negate = i + 1 < len(tokens) and tokens[i + 1] == ("word", "NOT")
        j = i + 2 if negate else i + 1
        if j >= len(tokens):
            raise bad_field("searchQuery", f"{text}: no operator")
        op_kind, op = tokens[j]
        if not (op_kind == "op" or (op_kind, op) == ("word", "IN")):
            raise bad_field("searchQuery", f"{op[:20]!r}: the operators are =, : and IN")
        if j + 1 >= len(tokens):
            raise bad_field("searchQuery", f"{text}: no value")
        values = _value(*tokens[j + 1])
        if (text == "private") != all(isinstance(v, bool) for v in values) or (
            text == "private" and op != "="
        ):
            raise bad_field("searchQuery", "private takes = true or = false")
        groups[-1].append(_Clause(text, op, negate, values))
        clauses += 1
        if clauses > MAX_CLAUSES:
            raise bad_field("searchQuery", f"at most {MAX_CLAUSES} clauses")
        i = j + 2
        if i < len(tokens):
            joiner = tokens[i]
            if joiner == ("word", "OR"):
                groups.append([])
            elif joiner != ("word", "AND"):
                raise bad_field("searchQuery", f"{joiner[1][:20]!r}: join clauses with AND or OR")
            i += 1
            if i >= len(tokens):
                raise bad_field("searchQuery", "ends with AND or OR")
    if not groups[0]:
        return lambda entry: True
    return lambda entry: any(all(c(entry) for c in group) for group in groups)
