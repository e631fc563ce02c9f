"""The documentation's examples run, and its commands are the README's and drm's own.

* ``pycon`` blocks (``>>>`` examples) on every page under ``docs/`` run as doctests, one
  namespace per page, in a temporary working folder;
* ``python`` blocks must either hold ``>>>`` examples or say which notebook runs them
  (``<!-- runs-in: examples/NAME.ipynb -->`` just above): their lines must appear in that
  notebook's code cells, which ``tests/test_examples.py`` executes;
* ``toml`` blocks must be valid scenario files, or sections of one (validated on top of the
  sample scenario);
* every ``drm ...`` command in ``bash`` blocks must parse with drm's own command-line parser,
  and ``drm validate`` commands must succeed;
* the getting-started page holds README.md's install-and-run and test blocks verbatim.
"""

from __future__ import annotations

import doctest
import json
import re
import shlex
import sys
import tomllib
import warnings
from pathlib import Path

import pytest

from drm.errors import DrmWarning

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = sorted(
    p for p in DOCS.rglob("*.md") if not {"_build", "_generated"} & set(p.relative_to(DOCS).parts)
)
FENCE = re.compile(
    r"^(?P<comment><!-- runs-in: (?P<nb>\S+) -->\n)?```(?P<lang>[\w{}-]*)[^\n]*\n(?P<body>.*?)^```\s*$",
    re.S | re.M,
)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def blocks(page: Path, lang: str) -> list[re.Match]:
    return [m for m in FENCE.finditer(page.read_text(encoding="utf-8")) if m["lang"] == lang]


def ids(pages: list[Path]) -> list[str]:
    return [str(p.relative_to(DOCS)) for p in pages]


def test_there_are_pages_with_examples():
    assert len(PAGES) >= 10
    assert sum(len(blocks(p, "pycon")) for p in PAGES) >= 20


DOCTEST_PAGES = [p for p in PAGES if blocks(p, "pycon")]


@pytest.mark.parametrize("page", DOCTEST_PAGES, ids=ids(DOCTEST_PAGES))
def test_page_examples_run(page, tmp_path, monkeypatch):
    """The page's ``>>>`` examples, at their own line numbers, as one doctest."""
    text = page.read_text(encoding="utf-8")
    lines = ["" for _ in text.splitlines()]
    for m in blocks(page, "pycon"):
        first = text[: m.start("body")].count("\n")
        for k, line in enumerate(m["body"].splitlines()):
            lines[first + k] = line
    monkeypatch.chdir(tmp_path)
    import matplotlib

    matplotlib.use("Agg")
    test = doctest.DocTestParser().get_doctest(
        "\n".join(lines), {"__name__": "__docs__"}, page.stem, str(page), 0
    )
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    result = runner.run(test, out=report.append)
    assert result.failed == 0, "".join(report)


def test_python_blocks_run_somewhere():
    for page in PAGES:
        for m in blocks(page, "python"):
            if ">>>" in m["body"]:
                continue
            assert m["nb"], (
                f"{page.relative_to(DOCS)}: a python block needs >>> examples or a runs-in note"
            )
            nb = json.loads((REPO / m["nb"]).read_text(encoding="utf-8"))
            code = {
                line.strip()
                for cell in nb["cells"]
                if cell["cell_type"] == "code"
                for line in "".join(cell["source"]).splitlines()
            }
            missing = [ln for ln in m["body"].splitlines() if ln.strip() and ln.strip() not in code]
            assert not missing, f"{page.relative_to(DOCS)}: not in {m['nb']}: {missing}"


def merged(base: dict, part: dict) -> dict:
    """A scenario section (or a few keys of one) laid over a whole scenario."""
    out = dict(base)
    for key, value in part.items():
        is_section = isinstance(value, dict) and isinstance(base.get(key), dict)
        out[key] = {**base[key], **value} if is_section else value
    return out


def test_toml_blocks_are_valid_scenarios():
    from drm.scenario.schema import scenario_from_dict

    base_file = REPO / "scenarios" / "valle_alto.toml"
    base = tomllib.loads(base_file.read_text(encoding="utf-8"))
    checked = 0
    for page in PAGES:
        for m in blocks(page, "toml"):
            data = tomllib.loads(m["body"])
            full = data if "name" in data else merged(base, data)
            scenario_from_dict(full, base=base_file.parent)
            checked += 1
    assert checked >= 3


def drm_commands() -> list[tuple[Path, str]]:
    out = []
    for page in PAGES:
        for m in blocks(page, "bash"):
            for line in m["body"].splitlines():
                for part in line.split("&&"):
                    if part.strip().startswith("drm "):
                        out.append((page, part.strip()))
    return out


def test_drm_commands_parse_and_validate(capsys, monkeypatch):
    from drm.cli import _parser, main

    monkeypatch.chdir(REPO)

    commands = drm_commands()
    assert len(commands) >= 5
    for page, command in commands:
        args = shlex.split(command, comments=True)[1:]
        try:
            parsed = _parser().parse_args(args)
        except SystemExit:
            pytest.fail(f"{page.relative_to(DOCS)}: drm cannot parse {command!r}")
        if parsed.command == "validate":
            # the as-received sample warns on purpose (a school closed for repairs): the CLI
            # prints such warnings and still validates
            with warnings.catch_warnings():
                warnings.simplefilter("default", DrmWarning)
                assert main(["-q", *args]) == 0, command
    capsys.readouterr()


def readme_block(name: str) -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    inside = readme.split(f"<!-- ci:{name} -->", 1)[1].split(f"<!-- /ci:{name} -->", 1)[0]
    return inside.strip()


@pytest.mark.parametrize("name", ["install-run", "test"])
def test_getting_started_has_the_readme_commands(name):
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    block = readme_block(name)
    assert block.startswith("```")
    assert block.endswith("```")
    assert block in page, f"docs/getting-started.md lacks README.md's {name} block:\n{block}"


def test_math_is_mathml_written_at_build_time_without_a_script(tmp_path, monkeypatch):
    """The pages' math is converted when the docs are built: no MathJax, nothing from the network."""
    import runpy

    pytest.importorskip("latex2mathml")  # the docs extra
    build_main = pytest.importorskip("sphinx.cmd.build").build_main

    monkeypatch.setattr(sys, "path", list(sys.path))  # conf.py puts docs/figures on it
    conf = runpy.run_path(str(DOCS / "conf.py"))
    assert conf["html_math_renderer"] == "mathml"
    assert not [e for e in conf["extensions"] if "mathjax" in e]
    assert not any("mathjax" in k for k in conf), "a mathjax_* setting would load a script"
    # the methods pages, built with the docs' own renderer
    src = tmp_path / "src"
    src.mkdir()
    pages = sorted((DOCS / "methods").glob("*.md"))
    for page in pages:
        (src / page.name).write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    (src / "conf.py").write_text(
        "import runpy\n"
        f"_docs = runpy.run_path({str(DOCS / 'conf.py')!r})\n"
        "extensions = ['myst_parser']\n"
        "myst_enable_extensions = _docs['myst_enable_extensions']\n"
        "html_math_renderer = _docs['html_math_renderer']\n"
        "def setup(app):\n"
        "    _docs['_add_mathml'](app)\n",
        encoding="utf-8",
    )
    log = tmp_path / "warnings.txt"
    assert build_main(["-q", "-b", "html", "-w", str(log), str(src), str(tmp_path / "html")]) == 0
    assert "math not converted" not in log.read_text(encoding="utf-8")
    formulas = 0
    for page in pages:
        built = (tmp_path / "html" / f"{page.stem}.html").read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]*mathjax|https?://[^\"' ]*mathjax", built, re.I), page
        assert "\\(" not in built, f"{page.name}: inline math left as TeX"
        assert "\\[" not in built, f"{page.name}: display math left as TeX"
        formulas += built.count("<math ")
        if "$" in page.read_text(encoding="utf-8"):
            assert "<math " in built, page.name
            assert "font-family:'STIX Two Math'" in built, f"{page.name}: no math fonts"
    assert formulas >= 50  # 83 when this was written
