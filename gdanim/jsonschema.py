"""The JSON Schema of the scenario format, for editors (yaml-language-server)."""

from __future__ import annotations

import json

from gdanim.schema import FORMAT_VERSION, ScenarioFile


def schema_dict() -> dict:
    """The scenario format as a JSON Schema (draft 2020-12) dict."""
    doc = ScenarioFile.model_json_schema(by_alias=True)
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = f"gdanim scenario, format version {FORMAT_VERSION}"
    return doc


def schema_text() -> str:
    """The JSON Schema as stable, indented text."""
    return json.dumps(schema_dict(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
