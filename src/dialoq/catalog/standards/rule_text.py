"""A rule as TOML text and back: how the editor and the standard page show it.

The catalogue files and the editor's text area hold the same TOML; the
database holds the rule as JSON. ``rule_as_toml`` writes the few value types a
rule has (text, whole numbers, lists of texts, the ``[scope]`` table) in a
fixed order, so that two versions compare line by line.
"""

import json
import tomllib

from django.utils.translation import gettext as _

from . import RuleError

FIELD_ORDER = (
    "kind",
    "anchor",
    "event",
    "requires",
    "participant",
    "within",
    "every",
    "before",
    "contact_kinds",
)


def rule_as_toml(rule: dict) -> str:
    """Return the rule as TOML text, fields in a fixed order, the scope last."""
    if not isinstance(rule, dict):
        return ""
    lines = []
    names = [name for name in FIELD_ORDER if name in rule]
    names += sorted(set(rule) - set(FIELD_ORDER) - {"scope"})
    lines += [f"{name} = {_value(rule[name])}" for name in names]
    scope = rule.get("scope")
    if isinstance(scope, dict) and scope:
        lines += ["", "[scope]"]
        lines += [f"{name} = {_value(scope[name])}" for name in sorted(scope)]
    elif scope is not None and not isinstance(scope, dict):
        lines.append(f"scope = {_value(scope)}")
    return "\n".join(lines) + "\n"


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{key} = {_value(item)}" for key, item in value.items())
        return "{ " + items + " }" if items else "{}"
    # A JSON string is a valid TOML basic string (same escapes).
    return json.dumps(str(value), ensure_ascii=False)


def rule_from_toml(text: str) -> dict:
    """Return the rule read from TOML text; raise ``RuleError`` if it is not TOML."""
    try:
        return tomllib.loads(text or "")
    except tomllib.TOMLDecodeError as error:
        raise RuleError(
            "rule",
            _("The rule is not valid TOML: %(error)s") % {"error": str(error)},
        ) from None
