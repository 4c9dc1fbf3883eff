"""The condition language of indicator definitions, compiled to SQL with bound values.

Populations and numerators are written as readable conditions over the columns
of a fact table, for example::

    status = 'closed' and code_book = 'SGB VIII'
    and closure_reason not in ('change_of_responsibility')

Grammar (keywords are case-insensitive)::

    condition  := or_term
    or_term    := and_term ("or" and_term)*
    and_term   := not_term ("and" not_term)*
    not_term   := "not" not_term | "(" condition ")" | comparison
    comparison := column op value
                | column ["not"] "in" "(" value ("," value)* ")"
                | column "is" ["not"] "null"
                | column "between" value "and" value
    op         := "=" | "!=" | "<" | "<=" | ">" | ">="
    value      := 'text' | number | true | false | date 'YYYY-MM-DD'

A condition is parsed into a tree, checked against the fact table's columns
(names, types, allowed values) and turned into SQL in which every value is a
bound parameter. Nothing a user writes is ever evaluated as code or pasted
into SQL: column names come from the schema, never from the text.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _


class DefinitionError(ValueError):
    """A definition cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Column:
    """A column of a fact table that definitions may use."""

    name: str
    type: str  # "text", "integer", "number", "boolean" or "date"
    label: str = ""
    choices: frozenset[str] | None = None


@dataclass(frozen=True)
class FactSchema:
    """The columns of one fact table, by name."""

    name: str
    columns: dict[str, Column]

    def column(self, name: str) -> Column:
        try:
            return self.columns[name]
        except KeyError:
            known = ", ".join(sorted(self.columns))
            raise DefinitionError(
                _("Unknown column “%(name)s” in %(fact)s. Known columns: %(known)s.")
                % {"name": name, "fact": self.name, "known": known}
            ) from None


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<date>date\s*'\d{4}-\d{2}-\d{2}')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|!=|=|<|>)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE | re.IGNORECASE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "null", "between", "true", "false"}
MAX_CONDITION_LENGTH = 2000


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokens(text: str) -> list[_Token]:
    if len(text) > MAX_CONDITION_LENGTH:
        raise DefinitionError(
            _("A condition may have at most %(n)d characters.")
            % {"n": MAX_CONDITION_LENGTH}
        )
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            snippet = text[position : position + 12].strip()
            raise DefinitionError(
                _("Cannot read the condition at character %(pos)d: “%(text)s”.")
                % {"pos": position + 1, "text": snippet}
            )
        kind = match.lastgroup
        value = match.group(kind)
        start = match.start(kind) + 1
        if kind == "word" and value.lower() in _KEYWORDS:
            kind, value = "keyword", value.lower()
        tokens.append(_Token(kind, value, start))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, schema: FactSchema):
        self.tokens = _tokens(text)
        self.index = 0
        self.schema = schema
        self.params: list = []

    def compile(self) -> str:
        if not self.tokens:
            raise DefinitionError(_("The condition is empty."))
        sql = self._or()
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            raise DefinitionError(
                _("Unexpected “%(text)s” at character %(pos)d.")
                % {"text": token.text, "pos": token.position}
            )
        return sql

    # --- token helpers ---------------------------------------------------
    def _peek(self, offset=0):
        index = self.index + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def _accept(self, kind, text=None):
        token = self._peek()
        if token and token.kind == kind and (text is None or token.text == text):
            self.index += 1
            return token
        return None

    def _expect(self, kind, text, description):
        token = self._accept(kind, text)
        if token is None:
            found = self._peek()
            where = (
                _("at character %(pos)d") % {"pos": found.position}
                if found
                else _("at the end")
            )
            raise DefinitionError(
                _("Expected %(what)s %(where)s.")
                % {"what": description, "where": where}
            )
        return token

    # --- grammar ---------------------------------------------------------
    def _or(self):
        parts = [self._and()]
        while self._accept("keyword", "or"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def _and(self):
        parts = [self._not()]
        while self._accept("keyword", "and"):
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def _not(self):
        if self._accept("keyword", "not"):
            return f"(NOT {self._not()})"
        if self._accept("punct", "("):
            inner = self._or()
            self._expect("punct", ")", _("a closing bracket"))
            return inner
        return self._comparison()

    def _comparison(self):
        name = self._expect("word", None, _("a column name"))
        column = self.schema.column(name.text)
        ident = f'"{column.name}"'
        if self._accept("keyword", "is"):
            negate = bool(self._accept("keyword", "not"))
            self._expect("keyword", "null", "null")
            return f"({ident} IS {'NOT ' if negate else ''}NULL)"
        negate = False
        if self._peek() and self._peek().text == "not":
            self._accept("keyword", "not")
            negate = True
            if not (self._peek() and self._peek().text == "in"):
                raise DefinitionError(
                    _("“not” after a column must be followed by “in”.")
                )
        if self._accept("keyword", "in"):
            self._expect("punct", "(", _("an opening bracket after “in”"))
            values = [self._value(column)]
            while self._accept("punct", ","):
                values.append(self._value(column))
            self._expect("punct", ")", _("a closing bracket"))
            marks = ", ".join("?" for _value in values)
            self.params.extend(values)
            return f"({ident} {'NOT ' if negate else ''}IN ({marks}))"
        if self._accept("keyword", "between"):
            low = self._value(column)
            self._expect("keyword", "and", "“and”")
            high = self._value(column)
            self._require_ordered(column, "between")
            self.params.extend([low, high])
            return f"({ident} BETWEEN ? AND ?)"
        op = self._expect("op", None, _("a comparison such as = or <="))
        value = self._value(column)
        if op.text not in {"=", "!="}:
            self._require_ordered(column, op.text)
        self.params.append(value)
        sql_op = "<>" if op.text == "!=" else op.text
        return f"({ident} {sql_op} ?)"

    def _require_ordered(self, column, op):
        if column.type in {"text", "boolean"}:
            raise DefinitionError(
                _("“%(op)s” needs a number or date; “%(name)s” is not one.")
                % {"op": op, "name": column.name}
            )

    def _value(self, column):
        token = self._peek()
        if token is None:
            raise DefinitionError(
                _("A value for “%(name)s” is missing.") % {"name": column.name}
            )
        self.index += 1
        if column.type == "text" and token.kind == "string":
            value = token.text[1:-1].replace("''", "'")
            if column.choices is not None and value not in column.choices:
                allowed = ", ".join(f"'{choice}'" for choice in sorted(column.choices))
                raise DefinitionError(
                    _("“%(value)s” is not a value of “%(name)s”. Allowed: %(allowed)s.")
                    % {"value": value, "name": column.name, "allowed": allowed}
                )
            return value
        if column.type in {"integer", "number"} and token.kind == "number":
            if column.type == "integer" and "." in token.text:
                raise DefinitionError(
                    _("“%(name)s” takes whole numbers.") % {"name": column.name}
                )
            return float(token.text) if "." in token.text else int(token.text)
        if column.type == "boolean" and token.text in {"true", "false"}:
            return token.text == "true"
        if column.type == "date" and token.kind == "date":
            literal = token.text[token.text.index("'") + 1 : -1]
            try:
                return date.fromisoformat(literal)
            except ValueError:
                raise DefinitionError(
                    _("“%(value)s” is not a valid date.") % {"value": literal}
                ) from None
        raise DefinitionError(
            _("“%(value)s” does not fit column “%(name)s” (%(type)s).")
            % {"value": token.text, "name": column.name, "type": column.type}
        )


def compile_condition(text: str, schema: FactSchema) -> tuple[str, list]:
    """Return SQL and its bound values for a condition over a fact table."""
    parser = _Parser(text, schema)
    sql = parser.compile()
    return sql, parser.params
