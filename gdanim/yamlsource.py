"""Safe YAML loading that remembers the line of every key, for error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]
MAX_ALIASES = 100
"Aliases (*name) a document may use."
MAX_NODES = 200_000
"Values a document may hold once its aliases are expanded (a scenario has a few hundred)."


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 scalars (1e-5 is a number, yes/no/on/off are text) and
    keys always read as text (so `true: [2.5, 4.0]` names the key "true")."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
        mapping = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
            else:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be plain text", key_node.start_mark
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:float", "tag:yaml.org,2002:bool")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


@dataclass(frozen=True)
class Document:
    """A parsed YAML document and the line (1-based) of each key path in it."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    duplicates: tuple[tuple[Path_, int], ...] = ()
    "Keys given twice, with the line of the second."

    def line(self, path: Path_) -> int | None:
        """The line of the deepest prefix of `path` that the document has."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


class YamlSyntaxError(ValueError):
    """The text is not YAML; carries the line of the problem."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def parse(text: str) -> Document:
    """Parse YAML text safely into data plus a map of key paths to lines."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _check_budget(node)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except YamlSyntaxError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(f"invalid YAML: {exc.problem or exc}", line) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise YamlSyntaxError(f"invalid YAML: {exc}", None) from None
    lines: dict[Path_, int] = {(): 1}
    duplicates: list[Path_] = []
    if node is not None:
        _walk(node, (), lines, duplicates, set())
    return Document(data, lines, tuple(duplicates))


def _check_budget(node: yaml.Node) -> None:
    """Raise YamlSyntaxError when the document uses more than MAX_ALIASES aliases or would
    hold more than MAX_NODES values once they are expanded (a "billion laughs" file), before
    anything is expanded: each node's expanded size is counted once."""
    sizes: dict[int, int] = {}
    aliases = 0
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        if done:
            sizes[id(current)] = 1 + sum(sizes.get(id(c), 0) for c in _children(current))
            if sizes[id(current)] > MAX_NODES:
                raise YamlSyntaxError(f"invalid YAML: at most {MAX_NODES:,} values are expected once "
                                      "aliases are expanded, got more", current.start_mark.line + 1)
            continue
        if id(current) in seen:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlSyntaxError(f"invalid YAML: at most {MAX_ALIASES} aliases (*name) are expected, "
                                      "got more", current.start_mark.line + 1)
            continue
        seen.add(id(current))
        stack.append((current, True))
        stack.extend((c, False) for c in _children(current))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _walk(node: yaml.Node, path: Path_, lines: dict, duplicates: list, seen: set) -> None:
    if id(node) in seen:  # an alias already walked
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            child = (*path, key)
            if key in keys:
                duplicates.append((child, key_node.start_mark.line + 1))
            keys.add(key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            _walk(value_node, child, lines, duplicates, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.setdefault((*path, i), item.start_mark.line + 1)
            _walk(item, (*path, i), lines, duplicates, seen)
