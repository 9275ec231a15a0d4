"""A JSON Schema (draft 2020-12) of one OCSF event class, compiled from the OCSF schema itself.

The official OCSF schema server (which exports JSON Schemas) cannot be reached from here, so this
compiles one from the OCSF schema source that the PyPI package `pydantic-ocsf` ships
(`ocsf/schemas/v1_4_0.json`: the schema repository's dictionary, types, objects and events as
data). It applies the OCSF rules that decide validity: a class inherits its parents' attributes
(`extends`), an attribute's definition is the dictionary's merged with each class's refinement
(enums are united, as the OCSF compiler does), types reduce to JSON types with their regexes,
lengths and ranges, objects are checked recursively, `required` attributes must be present,
`at_least_one` constraints hold, and no attribute outside the class is allowed (OCSF puts those in
`unmapped`). Class, category and type uids are pinned to the class. Profiles are not applied:
an event using a profile's attributes would be refused, and ours use none.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

Spec = dict[str, Any]
JSON_TYPES = {"boolean_t": "boolean", "integer_t": "integer", "long_t": "integer",
              "float_t": "number", "string_t": "string"}


@cache
def ocsf_source(version: str) -> Spec:
    """The OCSF schema source of `version` (e.g. "1.4.0") as pydantic-ocsf ships it."""
    name = f"v{version.replace('.', '_')}.json"
    return json.loads(resources.files("ocsf").joinpath("schemas", name).read_text("utf-8"))


def event_schema(version: str, class_name: str) -> Spec:
    """The JSON Schema of events of `class_name` (e.g. "compliance_finding")."""
    source = ocsf_source(version)
    chain = _chain(source["events"], class_name)
    attributes = _merged(source, chain)
    defs: dict[str, Spec] = {}
    schema = _object(source, attributes, defs)
    class_uid = _category_uid(source, chain) * 1000 + source["events"][class_name]["uid"]
    activities = [int(k) for k in attributes["activity_id"].get("enum", {})]
    schema["properties"].update({
        "class_uid": {"const": class_uid}, "category_uid": {"const": class_uid // 1000},
        "type_uid": {"enum": sorted(class_uid * 100 + a for a in activities)},
    })
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"OCSF {version} {class_name}", **schema, "$defs": defs}


def _chain(table: dict[str, Spec], name: str) -> list[Spec]:
    """`name` and its ancestors, root first."""
    chain = [table[name]]
    while chain[-1].get("extends") and chain[-1]["extends"] in table:
        chain.append(table[chain[-1]["extends"]])
    return chain[::-1]


def _category_uid(source: Spec, chain: list[Spec]) -> int:
    category = next(c["category"] for c in reversed(chain) if c.get("category"))
    return int(source["categories_meta"]["attributes"][category]["uid"])


def _merged(source: Spec, chain: list[Spec]) -> dict[str, Spec]:
    """Attribute name -> its definition: dictionary, then each class from root to leaf."""
    dictionary = source["dictionary"]["attributes"]
    merged: dict[str, Spec] = {}
    for level in chain:
        for name, spec in level.get("attributes", {}).items():
            if name == "$include":
                continue  # profiles: not applied (see the module docstring)
            merged[name] = _merge(merged.get(name) or dict(dictionary.get(name, {})), spec)
    return merged


def _merge(base: Spec, refinement: Spec) -> Spec:
    """A refinement over a definition; enum values are united (captions may change)."""
    out = {**base, **refinement}
    if "enum" in base and "enum" in refinement:
        out["enum"] = {**base["enum"], **refinement["enum"]}
    return out


def _object(source: Spec, attributes: dict[str, Spec], defs: dict[str, Spec],
            constraints: Spec | None = None) -> Spec:
    """A closed JSON object of these attributes."""
    schema: Spec = {
        "type": "object",
        "properties": {n: _attribute(source, s, defs) for n, s in sorted(attributes.items())},
        "required": sorted(n for n, s in attributes.items() if s.get("requirement") == "required"),
        "additionalProperties": False,
    }
    at_least_one = (constraints or {}).get("at_least_one")
    if at_least_one:
        schema["anyOf"] = [{"required": [n]} for n in at_least_one]
    return schema


def _attribute(source: Spec, spec: Spec, defs: dict[str, Spec]) -> Spec:
    """One attribute's schema: its type (or object), its enum, as an array when it is one."""
    kind = spec.get("type", "string_t")
    if kind in source["objects"] and kind != "object" and not kind.startswith("_"):
        _define(source, kind, defs)
        single: Spec = {"$ref": f"#/$defs/{kind}"}
    else:
        single = _scalar(source, kind)
    if "enum" in spec:
        values = list(spec["enum"])
        single = {**single, "enum": [int(v) for v in values] if single.get("type") == "integer"
                  else values}
    return {"type": "array", "items": single} if spec.get("is_array") else single


def _define(source: Spec, name: str, defs: dict[str, Spec]) -> None:
    """Add object `name` (and, through its attributes, every object it reaches) to `defs`."""
    if name in defs:
        return
    defs[name] = {}  # placeholder: objects refer to each other
    chain = _chain(source["objects"], name)
    constraints: Spec = {}
    for level in chain:
        constraints.update(level.get("constraints", {}))
    defs[name] = _object(source, _merged(source, chain), defs, constraints)


def _scalar(source: Spec, kind: str) -> Spec:
    """A data type reduced to a JSON type with the constraints of every type it refines."""
    types = source["dictionary"]["types"]["attributes"]
    if kind in ("object", "json_t"):  # any object (e.g. `unmapped`), any JSON value
        return {"type": "object"} if kind == "object" else {}
    schema: Spec = {}
    while kind in types and kind not in JSON_TYPES:
        info = types[kind]
        if "regex" in info:
            schema.setdefault("pattern", info["regex"])
        if "max_len" in info:
            schema.setdefault("maxLength", info["max_len"])
        if "range" in info:
            schema.setdefault("minimum", info["range"][0])
            schema.setdefault("maximum", info["range"][1])
        kind = info.get("type", "string_t")
    return {"type": JSON_TYPES.get(kind, "string"), **schema}
