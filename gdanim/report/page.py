"""Templates: the loader chain (user folder, then the built-in theme) and the static assets."""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from gdanim.files import atomic_write_text, write_if_changed
from gdanim.i18n import SOURCE, messages
from gdanim.report.errors import ReportError

STATIC = "static"


def builtin_templates() -> Path:
    """The folder of the built-in theme (installed as the gdanim_templates package)."""
    try:
        root = importlib.resources.files("gdanim_templates")
    except ModuleNotFoundError:  # a source checkout that was never installed
        root = Path(__file__).resolve().parents[2] / "templates"
    path = Path(str(root))
    if not (path / "base.html").is_file():
        raise ReportError(f"the built-in templates are missing from {path}")
    return path


def template_dirs(override: Path | None) -> list[Path]:
    """The template folders in the order they are searched: the override first."""
    if override is not None and not Path(override).is_dir():
        raise ReportError(f"--templates: a folder is expected, got {override}")
    return ([Path(override)] if override is not None else []) + [builtin_templates()]


def _json_script(value: Any) -> Markup:
    """JSON safe to put inside <script type="application/json">."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@lru_cache(maxsize=8)
def _environment(dirs: tuple[Path, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in dirs]),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.filters["json_script"] = _json_script
    env.globals["content_security_policy"] = content_security_policy
    return env


def content_security_policy(inline_css: str = "") -> str:
    """The page's Content-Security-Policy: its own scripts, styles, pictures, videos and
    fonts from its folder, captions and the icon as data: URLs, the one inline <style>
    (the font faces) by its hash; nothing else, no request leaves the site."""
    style = ["'self'"]
    if inline_css:
        digest = base64.b64encode(hashlib.sha256(str(inline_css).encode("utf-8")).digest()).decode()
        style.append(f"'sha256-{digest}'")
    return ("default-src 'none'; script-src 'self'; style-src " + " ".join(style)
            + "; img-src 'self' data:; media-src 'self' data:; font-src 'self'; "
            "base-uri 'none'; form-action 'none'")


def environment(override: Path | None = None) -> jinja2.Environment:
    """A Jinja2 environment: autoescape on, StrictUndefined, override folder before the theme."""
    return _environment(tuple(template_dirs(override)))


def render(name: str, context: dict[str, Any], override: Path | None = None) -> str:
    """The template `name` rendered with `context`; `_("id")` and {% trans %} in a template
    look messages up in the catalog of the context's `lang`."""
    env = environment(override)
    table = messages(context.get("lang", SOURCE))
    env.install_gettext_callables(lambda message: table.get(message, message),
                                  lambda one, many, n: table.get(one if n == 1 else many, one if n == 1 else many),
                                  newstyle=True)
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        raise ReportError(f"template {name}: {exc}") from None


@cache
def prepare(name: str, lang: str, override: Path | None = None) -> None:
    """Load what writing a page of template `name` in `lang` takes the first time (the
    compiled template and every template it extends or includes, the catalog, the
    versions its footer names) ahead of the page: while the animations encode, say.
    Once a process: finding the included templates parses their sources again (0.05 s),
    and what was loaded stays loaded (Jinja recompiles a changed template itself)."""
    from jinja2 import meta

    from gdanim.manifest import versions

    env, seen, todo = environment(override), set(), [name]
    while todo:  # Jinja compiles an extended or included template only when it renders
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            env.get_template(current)
            source = env.loader.get_source(env, current)[0]
            todo += [part for part in meta.find_referenced_templates(env.parse(source)) if part]
    messages(lang)
    versions()


def static_files(override: Path | None = None) -> dict[str, Path]:
    """Static asset name -> file, the override's files winning over the theme's."""
    found: dict[str, Path] = {}
    for folder in reversed(template_dirs(override)):
        static = folder / STATIC
        if static.is_dir():
            found.update({p.name: p for p in sorted(static.iterdir()) if p.is_file()})
    return found


def copy_static(target: Path, override: Path | None = None) -> list[Path]:
    """Copy the static assets into target (only those whose bytes changed); returns them."""
    out = []
    for name, source in static_files(override).items():
        dest = target / name
        write_if_changed(dest, source.read_bytes())
        out.append(dest)
    return out


def templates_digest(override: Path | None = None) -> str:
    """A hash of every template and asset in use (a changed theme rebuilds the pages)."""
    digest = hashlib.sha256()
    for folder in template_dirs(override):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def write_page(path: Path, name: str, context: dict[str, Any], override: Path | None = None) -> Path:
    """Render template `name` into the file `path` atomically, with the font subsets its
    text needs written into its assets folder; returns path.

    The footer's "how this was made" line (`made`) is added unless the context has one."""
    from gdanim.manifest import provenance
    from gdanim.report.fonts import font_faces

    context = {"made": provenance(Path(path).parent), "fonts": [], **context}
    html = render(name, context, override)
    faces = font_faces(html, Path(path).parent / context["assets"], Path(path).stem)
    if faces:
        html = render(name, {**context, "fonts": faces}, override)
    return atomic_write_text(path, html)
