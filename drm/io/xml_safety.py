"""Refuse XML that could expand without bound or pull in other files, before it is parsed.

GraphML and OpenStreetMap XML road files go to networkx and OSMnx, which parse
them with the standard library. A DOCTYPE can declare entities that expand a
few kilobytes into gigabytes ("billion laughs"), or that point at another file
or a web address (an external entity). Road files never need either: OSMnx,
networkx, JOSM and Overpass write no DOCTYPE. :func:`check_xml` reads only the
prolog of a file (what comes before its first element, where a DOCTYPE must
be) with the expat parser, expanding nothing and fetching nothing, and refuses
entity declarations and external DTDs. ``.bz2`` and ``.gz`` files are read
through their compression, as the readers do.
"""

from __future__ import annotations

import bz2
import gzip
import os
from pathlib import Path
from typing import IO, Any, NoReturn
from xml.parsers import expat

from drm.errors import InputError

__all__ = ["check_xml"]

#: Bytes fed to the parser at a time (the prolog of a real file is far shorter).
_CHUNK = 64 * 1024


class _PrologDone(Exception):
    """The first element started: no DOCTYPE can follow."""


def _open(path: Path) -> IO[bytes]:
    suffix = path.suffix.lower()
    if suffix == ".bz2":
        return bz2.open(path, "rb")
    if suffix == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")


def check_xml(path: str | os.PathLike[str], what: str = "XML") -> None:
    """Refuse an XML file whose DOCTYPE declares entities or names an external DTD.

    Only the prolog is read, so the check takes microseconds even on a large
    OpenStreetMap extract. A file that is not well-formed XML passes: the real
    reader reports that with its own message.

    Parameters
    ----------
    path : str or path-like
        An existing XML file (``.graphml``, ``.osm``, ``.xml``, optionally
        ``.bz2`` or ``.gz`` compressed).
    what : str
        What the file is, for the message (``"roads"``).

    Raises
    ------
    InputError
        The file declares an entity (internal or external, general or
        parameter) or its DOCTYPE refers to an external DTD; the message
        names the file and the reason, never an entity's value.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> good = folder / "roads.osm"
    >>> _ = good.write_text('<?xml version="1.0"?><osm version="0.6"></osm>')
    >>> check_xml(good, "roads") is None
    True
    >>> bomb = folder / "bomb.osm"
    >>> _ = bomb.write_text('<?xml version="1.0"?><!DOCTYPE osm [<!ENTITY a "aaaa">]><osm>&a;</osm>')
    >>> try:
    ...     check_xml(bomb, "roads")
    ... except InputError as err:
    ...     print("declares the entity 'a'" in str(err))
    True
    """
    p = Path(path)

    def refuse(why: str) -> NoReturn:
        raise InputError(
            f"{p}: {what} file refused: {why}. drm reads no DTD and no entities in XML (they can "
            "expand a small file to gigabytes or read other files and web pages); export the file "
            "again without a DOCTYPE (OSMnx, networkx, JOSM and Overpass write none)"
        )

    def doctype(name: str, system_id: str | None, public_id: str | None, _subset: int) -> None:
        if system_id or public_id:
            refuse(f"its DOCTYPE {name!r} refers to an external DTD")

    def entity(name: str, *_: Any) -> None:
        refuse(f"its DOCTYPE declares the entity {name[:40]!r}")

    def external(*_: Any) -> NoReturn:
        refuse("it refers to an external entity")

    def first_element(*_: Any) -> NoReturn:
        raise _PrologDone

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    parser.StartElementHandler = first_element
    try:
        with _open(p) as fh:
            while chunk := fh.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _PrologDone:
        return
    except (expat.ExpatError, OSError, EOFError):
        return  # not XML, damaged or not compressed as named: the reader says so
