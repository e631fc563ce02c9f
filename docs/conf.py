"""Sphinx configuration for drm's documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` after
``pip install -e ".[docs,test]"``: the validation figures are computed from the test cases
while the build starts (see ``figures/validation.py``), so they need the test extra (its
helpers, and Landlab for the peer comparison), into ``docs/_generated/``, which git ignores.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path.insert(0, str(DOCS / "figures"))

from sphinx.pycode import ModuleAnalyzer  # noqa: E402

from drm import __version__  # noqa: E402

project = "drm"
author = "drm developers"
copyright = (
    "drm developers; sample data CC0, Jacksboro elevations © the Matplotlib Development Team"
)
release = __version__
version = ".".join(__version__.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

autosummary_generate = True
autosummary_ignore_module_all = False  # a package page lists its __all__, imported names included
autodoc_typehints = "none"  # numpydoc sections carry the types, with units
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_attributes_as_param_list = True

html_theme = "furo"
html_title = f"drm {release}"
html_static_path: list[str] = []

BENCHMARKS_README = REPO / "benchmarks" / "README.md"


def _benchmark_tables(app, docname: str, source: list[str]) -> None:
    """Include ``benchmarks/README.md`` on the performance page when it exists.

    The benchmark notes are written by the benchmark scripts' maintainers; the build passes
    (with -W) with or without them.
    """
    if docname != "performance":
        return
    block = (
        "```{include} ../benchmarks/README.md\n:heading-offset: 1\n```"
        if BENCHMARKS_README.exists()
        else "*The benchmark tables are not in this build: `benchmarks/README.md` was not "
        "there when it ran. Run the scripts below to measure them.*"
    )
    source[0] = source[0].replace("<!-- BENCHMARKS_README -->", block)


def _constant_doc(app, what, name, obj, options, lines) -> None:
    """Document a constant by its ``#:`` comment where it is defined, not by its type's docstring.

    Packages re-export constants of their modules (``drm.hazard.D8_CODES`` is defined in
    ``drm.hazard.terrain``); autodoc looks for the comment in the package itself and, finding
    none, falls back to the docstring of ``dict`` or ``float``.
    """
    if what != "data":
        return
    if lines and "\n".join(lines).strip() != inspect.getdoc(type(obj)):
        return
    package, _, attr = name.rpartition(".")
    for modname in sorted(m for m in sys.modules if m == package or m.startswith(package + ".")):
        if getattr(sys.modules[modname], attr, None) is not obj:
            continue
        comment = ModuleAnalyzer.for_module(modname).find_attr_docs().get(("", attr))
        if comment:
            lines[:] = list(comment)
            return
    lines[:] = []


def _literal_periods(app, what, name, obj, options, lines) -> None:
    """Keep autosummary from cutting a summary line inside an inline literal.

    Autosummary ends a summary at the first period followed by white space, even inside
    ````0 .. n-1````, and the cut literal is a docutils error. A zero-width space between
    such a period and its space (not white space to the regex) renders the same.
    """
    if lines:
        lines[0] = re.sub(r"``.*?``", lambda m: m.group(0).replace(". ", ".\u200b "), lines[0])


def _validation_figures(app) -> None:
    import validation

    validation.build(DOCS / "_generated" / "validation")


def setup(app):
    app.connect("builder-inited", _validation_figures)
    app.connect("source-read", _benchmark_tables)
    app.connect("autodoc-process-docstring", _constant_doc, priority=100)  # before numpydoc
    app.connect("autodoc-process-docstring", _literal_periods, priority=100)
