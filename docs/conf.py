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
# math as MathML written at build time (latex2mathml, see _add_mathml): the pages need no
# MathJax script, so no network, and browsers render MathML natively
html_math_renderer = "mathml"

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


#: MathML's named spaces (latex2mathml writes them for ``\,``, ``\!``, ...), which MathML Core,
#: the part browsers render, does not know: as lengths.
_SPACES = {"thinmathspace": 1 / 6, "mediummathspace": 2 / 9, "thickmathspace": 5 / 18}
_NAMED_SPACE = re.compile(r'="(negative)?(thin|medium|thick)mathspace"')
#: A backslash at the end of a line (not the end of ``\\``): TeX's control space.
_CONTROL_SPACE = re.compile(r"(?<!\\)((?:\\\\)*)\\\n")


def _mathml(translator, latex: str, block: bool) -> str:
    """``latex`` as a MathML element; a warning (an error under -W) names what did not convert."""
    from latex2mathml.converter import convert
    from sphinx.util import logging

    def length(m: re.Match) -> str:
        em = _SPACES[m[2] + "mathspace"] * (-1 if m[1] else 1)
        return f'="{em:.4f}em"'

    try:
        tex = _CONTROL_SPACE.sub(lambda m: m[1] + "\\ ", latex.strip())
        mathml = _NAMED_SPACE.sub(length, convert(tex, display="block" if block else "inline"))
    except Exception as err:  # latex2mathml raises its own errors, e.g. on an unclosed brace
        mathml = None
        why = f"{type(err).__name__} {err}".strip()
    else:
        why = "an unknown command" if "\\" in mathml else ""
    if why:
        logging.getLogger(__name__).warning(
            "math not converted to MathML (%s): %r",
            why,
            latex,
            location=translator.builder.current_docname,
        )
    return mathml if mathml and not why else f"<code>{translator.encode(latex)}</code>"


def _visit_math(translator, node) -> None:
    from docutils import nodes

    translator.body.append(translator.starttag(node, "span", "", CLASS="math notranslate"))
    translator.body.append(_mathml(translator, node.astext(), block=False) + "</span>")
    raise nodes.SkipNode


def _visit_displaymath(translator, node) -> None:
    from docutils import nodes
    from sphinx.util.math import get_node_equation_number

    translator.body.append(translator.starttag(node, "div", CLASS="math notranslate"))
    if node["number"]:
        number = get_node_equation_number(translator, node)
        translator.body.append(f'<span class="eqno">({number})')
        translator.add_permalink_ref(node, "Link to this equation")
        translator.body.append("</span>")
    latex = node.astext()
    # blank lines separate equations (as Sphinx's own math directive has it): one below the other
    parts = [part for part in latex.split("\n\n") if part.strip()]
    body = "".join(_mathml(translator, part, block=True) for part in parts)
    translator.body.append(body + "</div>\n")
    raise nodes.SkipNode


#: Put in the head of each page with math: fonts with OpenType MATH tables (what stretches
#: braces and roots), and a block equation too wide for the page scrolls sideways on its own.
MATH_STYLE = (
    "<style>math{font-family:'STIX Two Math','Cambria Math','Latin Modern Math',"
    "'DejaVu Math TeX Gyre',math}"
    "div.math{overflow-x:auto;overflow-y:hidden;padding:.25em 0}</style>"
)


def _math_style(app, pagename, templatename, context, doctree) -> None:
    if context.get("has_maths_elements"):
        context["metatags"] = context.get("metatags", "") + MATH_STYLE


def _add_mathml(app) -> None:
    """Register the ``mathml`` math renderer: MathML written into the page when it is built."""
    app.add_html_math_renderer(
        "mathml", inline_renderers=(_visit_math, None), block_renderers=(_visit_displaymath, None)
    )
    app.connect("html-page-context", _math_style)


def setup(app):
    _add_mathml(app)
    app.connect("builder-inited", _validation_figures)
    app.connect("source-read", _benchmark_tables)
    app.connect("autodoc-process-docstring", _constant_doc, priority=100)  # before numpydoc
    app.connect("autodoc-process-docstring", _literal_periods, priority=100)
