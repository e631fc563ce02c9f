"""The contingency plan as an editable Word document (``plan.docx``), written with python-docx.

:func:`write_docx` lays out a :class:`~drm.report.plan.Plan` on A4 pages for a
committee to edit in Word or LibreOffice: real headings (styles *Heading 1*
and *Heading 2*, so the navigation pane and the table of contents work), a
table-of-contents field that the word processor fills in (right-click,
*Update field*; Word offers to do it on opening), tables whose header row
repeats on every page and whose rows are not split across pages, the map as a
picture with its caption, placeholders in square brackets highlighted in
yellow, clickable check boxes for the status of each action (Word 2010 and
later; other programs show the box), and the page number in the footer. The
document's language is set, so the spelling check uses the plan's language.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

from drm.errors import MissingDependencyError
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

__all__ = ["write_docx"]

#: Language tags written into the document (spelling and hyphenation).
_LANGUAGE_TAGS = {"en": "en-GB", "es": "es-ES"}
#: Page margins (mm) and the width left for text and tables (A4 portrait).
_MARGIN_MM, _TEXT_WIDTH_MM = 16.0, 178.0
#: Font sizes (pt) of body text, table text and notes.
_BODY_PT, _TABLE_PT, _NOTE_PT = 10.0, 8.0, 8.5
_HEADER_FILL = "D9D9D9"
_GROUP_FILL = "BFBFBF"
_SPLIT = re.compile(f"({PLACEHOLDER.pattern}|{BOX}|\n)")


def _docx() -> Any:
    try:
        import docx
    except ImportError as err:
        raise MissingDependencyError(
            "writing plan.docx needs the package 'python-docx' (one of drm's dependencies), which "
            "is not installed; install it with: pip install python-docx (or reinstall drm), or "
            "ask write_plan for formats=('html', 'pdf') only"
        ) from err
    return docx


def _el(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(key.replace("__", ":")), value)
    return el


def _checkbox() -> Any:
    """A check-box content control (w14:checkbox) showing ☐, ☒ once ticked."""
    sdt = _el("w:sdt")
    pr = _el("w:sdtPr")
    box = _el("w14:checkbox")
    box.append(_el("w14:checked", w14__val="0"))
    box.append(_el("w14:checkedState", w14__val="2612", w14__font="MS Gothic"))
    box.append(_el("w14:uncheckedState", w14__val="2610", w14__font="MS Gothic"))
    pr.append(box)
    sdt.append(pr)
    content = _el("w:sdtContent")
    run = _el("w:r")
    rpr = _el("w:rPr")
    rpr.append(_el("w:rFonts", w__ascii="MS Gothic", w__eastAsia="MS Gothic", w__hAnsi="MS Gothic"))
    run.append(rpr)
    t = _el("w:t")
    t.text = BOX
    run.append(t)
    content.append(run)
    sdt.append(content)
    return sdt


def _fill_text(paragraph: Any, text: str, *, size: float | None = None, bold: bool = False,
               italic: bool = False, colour: str | None = None) -> None:  # fmt: skip
    """Add ``text`` to a paragraph: placeholders highlighted, each ☐ a clickable check box."""
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt, RGBColor

    for piece in _SPLIT.split(text):
        if not piece:
            continue
        if piece == BOX:
            paragraph._p.append(_checkbox())
            continue
        if piece == "\n":
            paragraph.add_run().add_break()
            continue
        run = paragraph.add_run(piece)
        run.bold, run.italic = bold or None, italic or None
        if size is not None:
            run.font.size = Pt(size)
        if colour is not None:
            run.font.color.rgb = RGBColor.from_string(colour)
        if PLACEHOLDER.fullmatch(piece):
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _shade(cell: Any, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(_el("w:shd", w__val="clear", w__color="auto", w__fill=fill))


def _row_flags(row: Any, *, header: bool) -> None:
    """No row split across pages; the header row repeated on every page."""
    pr = row._tr.get_or_add_trPr()
    pr.append(_el("w:cantSplit"))
    if header:
        pr.append(_el("w:tblHeader"))


def _cell(
    cell: Any, text: str, *, bold: bool = False, right: bool = False, centre: bool = False
) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = cell.paragraphs[0]
    p.paragraph_format.space_after = 0
    if right or centre:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.CENTER
    _fill_text(p, text, size=_TABLE_PT, bold=bold)


def _table(doc: Any, t: PlanTable) -> None:
    from docx.shared import Mm

    n = len(t.headers)
    table = doc.add_table(rows=1, cols=n)
    table.style = "Table Grid"
    table.autofit = False
    total = sum(t.widths) or 1.0
    widths = [Mm(_TEXT_WIDTH_MM * w / total) for w in t.widths]
    fills = {(r, c): colour for r, c, colour in t.fills}
    header = table.rows[0]
    _row_flags(header, header=True)
    for j, h in enumerate(t.headers):
        _cell(header.cells[j], h, bold=True)
        _shade(header.cells[j], _HEADER_FILL)
    for i, values in enumerate(t.rows):
        row = table.add_row()
        _row_flags(row, header=False)
        if i in t.groups:
            merged = row.cells[0].merge(row.cells[n - 1])
            _cell(merged, values[0], bold=True)
            _shade(merged, _GROUP_FILL)
            continue
        for j, value in enumerate(values):
            _cell(row.cells[j], value, right=t.numeric[j], centre=value == BOX)
            if (i, j) in fills:
                _shade(row.cells[j], fills[i, j])
    for row in table.rows:  # Word reads each cell's width, LibreOffice the grid's
        for j, cell in enumerate(row.cells):
            cell.width = widths[min(j, n - 1)]
    for j, col in enumerate(table.columns):
        col.width = widths[j]
    doc.add_paragraph().paragraph_format.space_after = 0


def _field(paragraph: Any, instruction: str, shown: str = "") -> None:
    """A complex field (``PAGE``, ``TOC ...``) with the text shown until it is updated."""
    begin = paragraph.add_run()
    begin._r.append(_el("w:fldChar", w__fldCharType="begin"))
    instr = paragraph.add_run()
    code = _el("w:instrText", xml__space="preserve")
    code.text = f" {instruction} "
    instr._r.append(code)
    sep = paragraph.add_run()
    sep._r.append(_el("w:fldChar", w__fldCharType="separate"))
    paragraph.add_run(shown or "1")
    end = paragraph.add_run()
    end._r.append(_el("w:fldChar", w__fldCharType="end"))


def _toc(doc: Any, plan: Plan) -> None:
    """The table of contents: a TOC field over headings 1-2, showing the section list until updated."""
    from docx.shared import Pt, RGBColor

    doc.add_paragraph(plan.contents, style="TOC Heading")
    first = doc.add_paragraph()
    first.add_run()._r.append(_el("w:fldChar", w__fldCharType="begin"))
    code = _el("w:instrText", xml__space="preserve")
    code.text = ' TOC \\o "1-2" \\h \\z \\u '
    first.add_run()._r.append(code)
    first.add_run()._r.append(_el("w:fldChar", w__fldCharType="separate"))
    hint = first.add_run(plan.toc_hint)
    hint.italic = True
    hint.font.size = Pt(_NOTE_PT)
    hint.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    last = None
    for s in plan.sections:
        last = doc.add_paragraph(s.heading)
        last.paragraph_format.space_after = Pt(2)
    (last or first).add_run()._r.append(_el("w:fldChar", w__fldCharType="end"))


def _setup(doc: Any, plan: Plan) -> None:
    from docx.shared import Mm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(_MARGIN_MM))
    section.top_margin, section.bottom_margin = Mm(16), Mm(18)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(_BODY_PT)
    normal.font.name = "Arial"  # on every system, or a metric twin (Liberation Sans, Arimo)
    tag = _LANGUAGE_TAGS.get(plan.language, plan.language)
    rpr = doc.styles.element.find(".//" + _qn("w:rPrDefault") + "/" + _qn("w:rPr"))
    if rpr is not None:
        for old in rpr.findall(_qn("w:lang")):
            rpr.remove(old)
        rpr.append(_el("w:lang", w__val=tag, w__eastAsia=tag, w__bidi=tag))
    # Word refreshes the fields (the table of contents) when the document opens
    doc.settings.element.append(_el("w:updateFields", w__val="true"))
    props = doc.core_properties
    props.title, props.subject = plan.title, plan.scenario
    props.author, props.language = "drm", tag
    props.comments, props.version = plan.draft, plan.version
    props.keywords = "contingency plan, flood, evacuation, drm"
    footer = section.footer.paragraphs[0]
    _fill_text(footer, plan.footer, size=_NOTE_PT)
    _field(footer, "PAGE")
    for run in footer.runs:
        run.font.size = Pt(_NOTE_PT)


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _cover(doc: Any, plan: Plan) -> None:
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    doc.add_paragraph(plan.title, style="Title")
    draft = doc.add_paragraph()
    _fill_text(draft, plan.draft, size=14, bold=True, colour="B00020")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in plan.cover:
        row = table.add_row()
        _fill_text(row.cells[0].paragraphs[0], label, bold=True)
        _fill_text(row.cells[1].paragraphs[0], value)
    note = doc.add_paragraph()
    note.paragraph_format.space_before = Pt(12)
    _fill_text(note, plan.cover_note, size=_NOTE_PT, italic=True)
    note.add_run().add_break(WD_BREAK.PAGE)


def _block(doc: Any, block: Any) -> None:
    from docx.shared import Mm, Pt

    if isinstance(block, Paragraph):
        p = doc.add_paragraph()
        if block.style == "note":
            _fill_text(p, block.text, size=_NOTE_PT, italic=True, colour="595959")
        elif block.style == "alert":
            _fill_text(p, block.text, bold=True, colour="B00020")
        else:
            _fill_text(p, block.text, bold=block.style == "lead")
    elif isinstance(block, Subheading):
        doc.add_heading(block.text, level=2)
    elif isinstance(block, Bullets):
        for item in block.items:
            p = doc.add_paragraph(style="List Bullet")
            bad = item.startswith("⚠")
            _fill_text(p, item, bold=bad, colour="B00020" if bad else None)
    elif isinstance(block, Figure):
        doc.add_picture(io.BytesIO(block.png), width=Mm(min(block.width_mm, _TEXT_WIDTH_MM)))
        caption = doc.add_paragraph(style="Caption")
        _fill_text(caption, block.caption, size=_NOTE_PT)
        caption.paragraph_format.space_after = Pt(8)
    elif isinstance(block, PlanTable):
        _table(doc, block)
    else:
        raise TypeError(f"unknown plan block {type(block).__name__}")


def write_docx(plan: Plan, path: str | os.PathLike[str]) -> Path:
    """Write the plan as an editable A4 Word document (atomically).

    Parameters
    ----------
    plan : Plan
        From :func:`drm.report.plan.build_plan`.
    path : str or path-like
        The ``.docx`` file to write.

    Returns
    -------
    pathlib.Path
        ``path``, as written.

    Raises
    ------
    MissingDependencyError
        python-docx is not installed (the message gives the pip command).

    Examples
    --------
    >>> import datetime as dt, tempfile, docx
    >>> from drm.report.plan import Plan, PlanSection, Paragraph
    >>> plan = Plan("en", "Contingency plan: Town", "Town", "Town, 10-year storm", dt.date(2027, 1, 5),
    ...             "0.1", "DRAFT", (("Community", "Town"),), "Fill in [name].",
    ...             (PlanSection("use", 1, "About", (Paragraph("Call [phone]."),)),), "Town: page ",
    ...             "Contents", "Update the field.")
    >>> out = write_docx(plan, Path(tempfile.mkdtemp()) / "plan.docx")
    >>> [p.text for p in docx.Document(out).paragraphs if p.style.name == "Heading 1"]
    ['1. About']
    """
    docx = _docx()
    doc = docx.Document()
    _setup(doc, plan)
    _cover(doc, plan)
    _toc(doc, plan)
    for section in plan.sections:
        heading = doc.add_heading(section.heading, level=1)
        heading.paragraph_format.page_break_before = section.new_page
        for block in section.blocks:
            _block(doc, block)
    target = Path(path)
    with atomic_path(target) as tmp:
        doc.save(str(tmp))
    return target
