"""Feature declarations in TOML: ``[[feature]] name = "r5"  kind = "return"  n = 5``.

Every key of a ``[[feature]]`` table other than ``name`` and ``kind`` is a
parameter of the kind. :func:`parse_features` reads the text (``tomllib``, the
standard library), :func:`to_toml` writes a feature set back with every parameter
resolved, so the file a model directory holds hashes to its manifest's
``feature_schema_hash``. Bad declarations raise one
:class:`~tradecore.domain.errors.InvalidInput` naming the feature and what is wrong.
"""

from __future__ import annotations

import json
import math
import tomllib

from tradecore.domain.errors import InvalidInput
from tradecore.domain.features.feature_set import SCHEMA_FORMAT, FeatureSet, FeatureSpec
from tradecore.domain.features.kinds import Scalar


def parse_features(text: str, source: str = "features") -> FeatureSet:
    """The feature set declared in TOML ``text`` (``source`` names it in errors).

    Raises:
        InvalidInput: not TOML, no ``[[feature]]`` tables, a table without a name or
            kind, an unknown kind, a bad parameter type, or a duplicate name.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InvalidInput(source, "TOML", f"is not valid TOML: {e}") from None
    tables = document.get("feature")
    if not isinstance(tables, list) or not tables:
        raise InvalidInput(source, "[[feature]]", "declares no [[feature]] tables")
    specs = []
    for n, table in enumerate(tables, 1):
        name, kind = table.get("name"), table.get("kind")
        if not isinstance(name, str) or not isinstance(kind, str):
            raise InvalidInput(
                f"{source} [[feature]] #{n}", table, "needs name and kind strings"
            )
        params = {k: v for k, v in table.items() if k not in ("name", "kind")}
        specs.append(FeatureSpec(name, kind, params))
    return FeatureSet(specs)


def to_toml(feature_set: FeatureSet) -> str:
    """``feature_set`` as TOML, every parameter spelled out."""
    lines = [f"format = {json.dumps(SCHEMA_FORMAT)}", ""]
    for spec in feature_set.resolved():
        lines += [
            "[[feature]]",
            f"name = {_value(spec.name)}",
            f"kind = {_value(spec.kind)}",
        ]
        lines += [
            f"{key} = {_value(value)}" for key, value in sorted(spec.params.items())
        ]
        lines.append("")
    return "\n".join(lines)


def _value(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput("parameter", value, "must be finite")
        return repr(value)
    return json.dumps(value)
