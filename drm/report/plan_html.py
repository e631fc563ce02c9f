"""The contingency plan as one self-contained web page, and as a PDF printed from it.

:func:`render_html` lays out a :class:`~drm.report.plan.Plan` as the report
does (:mod:`drm.report.html`): one page with its CSS inline and the map
embedded as a base64 PNG, no script and nothing loaded from outside, so it
opens offline. It prints on A4: the cover on its own page, each section
from a new page, table headers repeated, no row cut across pages, and a
footer with the page number. Placeholders in square brackets are
highlighted, with room to write by hand on paper.

:func:`print_pdf` prints that page with headless Chromium (``chromium``,
``chromium-browser``, ``google-chrome``..., or the executable named by the
``DRM_CHROMIUM`` environment variable). Without one the PDF is skipped with a
:class:`~drm.errors.DrmWarning` that says how to get it: print ``plan.html``
from any browser, or save ``plan.docx`` as PDF from the word processor.
"""

from __future__ import annotations

import base64
import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from drm.errors import warn
from drm.io import atomic_path
from drm.report.plan import (
    BOX,
    PLACEHOLDER,
    Bullets,
    Figure,
    Paragraph,
    Plan,
    PlanTable,
    Subheading,
)

__all__ = ["CHROMIUM_NAMES", "find_chromium", "print_pdf", "render_html"]

#: Executable names tried, in order, for headless printing (after ``$DRM_CHROMIUM``).
CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "msedge",
)
#: Seconds headless Chromium may take to print the plan before drm gives up.
_PRINT_TIMEOUT_S = 180

_CSS = """
:root { --ink: #1d1d1d; --muted: #5b5b5b; --line: #bdbdbd; --fill: #fff3a8; --bad: #b00020; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: var(--ink); margin: 0 auto;
       max-width: 1080px; padding: 1.2rem 1.6rem 3rem; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.9rem; margin: 2rem 0 .4rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; }
.cover { border: 2px solid var(--ink); border-radius: 6px; padding: .6rem 1.4rem 1rem; }
.cover .draft { display: inline-block; border: 2px solid var(--bad); color: var(--bad); font-weight: 700;
                padding: .2rem .6rem; letter-spacing: .03em; text-transform: uppercase; }
.cover table { width: auto; min-width: 60%; font-size: 1rem; }
.cover th { width: 14rem; }
p.note, figcaption { color: var(--muted); font-size: .9em; }
p.lead { font-weight: 700; }
p.alert, li.bad { color: var(--bad); font-weight: 700; }
.fill { background: var(--fill); padding: 0 .15rem; border-bottom: 1px dotted var(--ink); }
nav ol { columns: 2; font-size: .95em; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .88em; }
th, td { border: 1px solid var(--line); padding: .28rem .45rem; vertical-align: top; text-align: left; }
th { hyphens: auto; }
th { background: #e6e6e6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.group th { background: #d0d0d0; }
td.box { text-align: center; font-size: 1.1em; }
figure { margin: 1rem 0 1.5rem; break-inside: avoid; }
figure img { width: 100%; height: auto; border: 1px solid var(--line); }
thead { display: table-header-group; }
"""

_PRINT_CSS = """
@page { size: A4; margin: 14mm 12mm 16mm;
        @bottom-center { content: "@FOOTER@" counter(page) " / " counter(pages);
                        font: 7.5pt "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #555; } }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  nav a { color: var(--ink); text-decoration: none; }
  .cover { break-after: page; }
  section.newpage { break-before: page; } h2, h3, tr.group { break-after: avoid; }
  table { font-size: 7.8pt; } th, td { padding: .15rem .25rem; } td { overflow-wrap: anywhere; }
  tr, li, figure { break-inside: avoid; }
  figure img { max-height: 200mm; width: auto; max-width: 100%; }
  .fill { background: none; border-bottom: 1px dotted var(--ink); }
}
"""


def _css_string(value: str) -> str:
    """``value`` as the inside of a CSS double-quoted string."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _inline(value: Any) -> str:
    """Escaped text with its [placeholders] marked to be filled in."""
    escaped = html.escape(str(value), quote=True)
    marked = PLACEHOLDER.sub(lambda m: f"<span class='fill'>{m.group(0)}</span>", escaped)
    return marked.replace("\n", "<br>")


def _table(t: PlanTable) -> str:
    fills = {(r, c): colour for r, c, colour in t.fills}
    total = sum(t.widths) or 1.0
    cols = "".join(f"<col style='width:{100 * w / total:.1f}%'>" for w in t.widths)
    head = "".join(f"<th scope='col'>{_inline(h)}</th>" for h in t.headers)
    body = []
    for i, row in enumerate(t.rows):
        if i in t.groups:
            body.append(
                f"<tr class='group'><th colspan='{len(t.headers)}' scope='rowgroup'>{_inline(row[0])}</th></tr>"
            )
            continue
        cells = []
        for j, cell in enumerate(row):
            css = ["num"] if t.numeric[j] else []
            if cell == BOX:
                css.append("box")
            style = f" style='background:#{fills[i, j]}'" if (i, j) in fills else ""
            cls = f" class='{' '.join(css)}'" if css else ""
            cells.append(f"<td{cls}{style}>{_inline(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table id='plan-{t.key}' class='plan'><colgroup>{cols}</colgroup>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _block(block: Any) -> str:
    if isinstance(block, Paragraph):
        css = "" if block.style == "body" else f" class='{block.style}'"
        return f"<p{css}>{_inline(block.text)}</p>"
    if isinstance(block, Subheading):
        return f"<h3>{_inline(block.text)}</h3>"
    if isinstance(block, Bullets):
        items = "".join(
            f"<li class='bad'>{_inline(i)}</li>" if i.startswith("⚠") else f"<li>{_inline(i)}</li>"
            for i in block.items
        )
        return f"<ul>{items}</ul>"
    if isinstance(block, Figure):
        data = base64.b64encode(block.png).decode("ascii")
        caption = html.escape(block.caption, quote=True)
        return (
            f"<figure><img src='data:image/png;base64,{data}' alt='{caption}'>"
            f"<figcaption>{caption}</figcaption></figure>"
        )
    if isinstance(block, PlanTable):
        return _table(block)
    raise TypeError(f"unknown plan block {type(block).__name__}")


def render_html(plan: Plan) -> str:
    """The plan as one self-contained HTML page (a string).

    Parameters
    ----------
    plan : Plan
        From :func:`drm.report.plan.build_plan`.

    Returns
    -------
    str
        The page: the cover (``section.cover``), the contents (``nav``), one
        ``<section id='sec-KEY'>`` per section with its tables as
        ``table#plan-KEY``; CSS inline, the map as a base64 PNG, no script and
        no address outside the page.

    Examples
    --------
    >>> import datetime as dt
    >>> from drm.report.plan import Plan, PlanSection, Paragraph
    >>> plan = Plan("en", "Contingency plan: Town", "Town", "Town, 10-year storm", dt.date(2027, 1, 5),
    ...             "0.1", "DRAFT", (("Community", "Town"),), "Fill in [name].",
    ...             (PlanSection("use", 1, "About", (Paragraph("Call [phone]."),)),), "Town: page ",
    ...             "Contents", "Update the field.")
    >>> page = render_html(plan)
    >>> "<h2>1. About</h2>" in page, "<span class='fill'>[phone]</span>" in page
    (True, True)
    """
    toc = "".join(
        f"<li><a href='#sec-{s.key}'>{_inline(s.heading)}</a></li>" for s in plan.sections
    )
    cover_rows = "".join(
        f"<tr><th scope='row'>{_inline(k)}</th><td>{_inline(v)}</td></tr>" for k, v in plan.cover
    )
    parts = [
        "<!DOCTYPE html>",
        f"<html lang='{plan.language}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(plan.title)}</title>",
        f"<style>{_CSS}{_PRINT_CSS.replace('@FOOTER@', _css_string(plan.footer))}</style></head><body>",
        f"<section class='cover'><h1>{_inline(plan.title)}</h1>",
        f"<p class='draft'>{_inline(plan.draft)}</p>",
        f"<table><tbody>{cover_rows}</tbody></table>",
        f"<p class='note'>{_inline(plan.cover_note)}</p></section>",
        f"<nav><h2 class='toc'>{_inline(plan.contents)}</h2><ol>{toc}</ol></nav>",
    ]
    for s in plan.sections:
        css = " class='newpage'" if s.new_page else ""
        parts.append(f"<section id='sec-{s.key}'{css}><h2>{_inline(s.heading)}</h2>")
        parts += [_block(b) for b in s.blocks]
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def find_chromium() -> str | None:
    """The headless browser :func:`print_pdf` uses: ``$DRM_CHROMIUM``, else the first of :data:`CHROMIUM_NAMES` found.

    Returns
    -------
    str or None
        Path of the executable; None when there is none.

    Examples
    --------
    >>> find_chromium() is None or Path(find_chromium()).name != ""
    True
    """
    named = os.environ.get("DRM_CHROMIUM")
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


_HOW_TO_PDF = (
    "install Chromium (Debian/Ubuntu: apt-get install chromium) or set DRM_CHROMIUM to a Chromium, "
    "Chrome or Edge executable; or print plan.html from any browser, or save plan.docx as PDF"
)


def print_pdf(page: str, target: str | os.PathLike[str]) -> Path | None:
    """Print an HTML page to an A4 PDF with headless Chromium; skip it, with a warning, without one.

    Parameters
    ----------
    page : str
        The HTML page (from :func:`render_html`); it loads nothing from outside.
    target : str or path-like
        The PDF file to write (atomically).

    Returns
    -------
    pathlib.Path or None
        ``target``; None when no Chromium was found or printing failed (a
        :class:`~drm.errors.DrmWarning` says why and how to get the PDF).

    Examples
    --------
    >>> print_pdf("<html><body>plan</body></html>", "plan.pdf")  # doctest: +SKIP
    PosixPath('plan.pdf')
    """
    browser = find_chromium()
    out = Path(target)
    if browser is None:
        warn(f"{out.name} not written: no headless Chromium found; {_HOW_TO_PDF}")
        return None
    with tempfile.TemporaryDirectory(prefix="drm-pdf-") as tmp:
        here = Path(tmp)
        source, pdf = here / "plan.html", here / "plan.pdf"
        source.write_text(page, encoding="utf-8")
        # --no-sandbox: Chromium's sandbox cannot start as root or in most containers; the page
        # is drm's own, with no script and nothing from outside, and the browser gets no network
        cmd = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-sync", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            f"--user-data-dir={here / 'profile'}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", source.resolve().as_uri(),
        ]  # fmt: skip
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=_PRINT_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            warn(
                f"{out.name} not written: {browser} failed to start or to finish ({err}); {_HOW_TO_PDF}"
            )
            return None
        if done.returncode != 0 or not pdf.is_file() or pdf.read_bytes()[:5] != b"%PDF-":
            tail = (done.stderr or "").strip().splitlines()[-3:]
            warn(
                f"{out.name} not written: {browser} exited with code {done.returncode} "
                f"({' | '.join(tail) or 'no message'}); {_HOW_TO_PDF}"
            )
            return None
        with atomic_path(out) as tmp_out:
            shutil.copyfile(pdf, tmp_out)
    return out
