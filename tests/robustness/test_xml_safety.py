"""XML road files: no billion laughs, no external entities, no external DTD (issue 21).

GraphML and OpenStreetMap XML files whose DOCTYPE declares entities (an
exponential "billion laughs", a quadratic blow-up, an entity reading a local
file holding a secret, one at a web address, a parameter entity) or refers to
an external DTD, plain and compressed, must be refused by
:func:`drm.io.read_roads` with drm's InputError naming the file and the reason,
within a second, without the secret in the message and without opening a
network connection. Road files written the usual way (no DOCTYPE) still read.
"""

from __future__ import annotations

import bz2
import gzip
import socket
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest

from drm.errors import InputError
from drm.io import read_roads
from drm.io.xml_safety import check_xml

SECRET = "drm-secret-5f0c2a91"
#: The most a refusal may take (s).
QUICK_S = 1.0

OSM_BODY = (
    '<osm version="0.6" generator="test">'
    '<node id="1" lat="8.600" lon="-71.200"/>'
    '<node id="2" lat="8.602" lon="-71.200"/>'
    '<node id="3" lat="8.602" lon="-71.198"/>'
    '<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>'
    '<tag k="highway" v="residential"/><tag k="name" v="{text}"/></way>'
    "</osm>\n"
)
GRAPHML_BODY = (
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
    '<key id="crs" for="graph" attr.name="crs" attr.type="string"/>'
    '<key id="x" for="node" attr.name="x" attr.type="double"/>'
    '<key id="y" for="node" attr.name="y" attr.type="double"/>'
    '<key id="name" for="edge" attr.name="name" attr.type="string"/>'
    '<graph edgedefault="directed"><data key="crs">EPSG:32619</data>'
    '<node id="1"><data key="x">260000</data><data key="y">950000</data></node>'
    '<node id="2"><data key="x">260100</data><data key="y">950000</data></node>'
    '<edge source="1" target="2"><data key="name">{text}</data></edge>'
    "</graph></graphml>\n"
)
BODIES = {"osm": ("osm", OSM_BODY), "graphml": ("graphml", GRAPHML_BODY)}


def _laughs() -> tuple[str, str]:
    """Ten levels of ten references: 10**9 copies of 'lol' when expanded."""
    levels = ['<!ENTITY lol0 "lol">']
    levels += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return "\n".join(levels), "&lol9;"


def _quadratic() -> tuple[str, str]:
    return f'<!ENTITY big "{"x" * 100_000}">', "&big;" * 10_000


def _secret_file(folder: Path) -> tuple[str, str]:
    secret = folder / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">', "&xxe;"


def _secret_relative(folder: Path) -> tuple[str, str]:
    (folder / "secret.txt").write_text(SECRET, encoding="utf-8")
    return '<!ENTITY xxe SYSTEM "secret.txt">', "&xxe;"


def _web() -> tuple[str, str]:
    return '<!ENTITY xxe SYSTEM "http://example.invalid/secret">', "&xxe;"


def _parameter(folder: Path) -> tuple[str, str]:
    secret = folder / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return f'<!ENTITY % p SYSTEM "{secret.as_uri()}"> %p;', "x"


#: name -> (folder -> (internal subset, text in the body)), the reason the message must give
ATTACKS: dict[str, tuple[Callable[[Path], tuple[str, str]], str]] = {
    "billion-laughs": (lambda _: _laughs(), "declares the entity 'lol0'"),
    "quadratic-blowup": (lambda _: _quadratic(), "declares the entity 'big'"),
    "local-file-entity": (_secret_file, "declares the entity 'xxe'"),
    "relative-file-entity": (_secret_relative, "declares the entity 'xxe'"),
    "web-entity": (lambda _: _web(), "declares the entity 'xxe'"),
    "parameter-entity": (_parameter, "declares the entity 'p'"),
}


def _write(path: Path, text: str) -> Path:
    data = text.encode("utf-8")
    if path.suffix == ".bz2":
        data = bz2.compress(data)
    elif path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def _attack_file(folder: Path, attack: str, kind: str, suffix: str) -> Path:
    make, _ = ATTACKS[attack]
    subset, text = make(folder)
    root, body = BODIES[kind]
    doc = f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE {root} [\n{subset}\n]>\n'
    return _write(folder / f"roads{suffix}", doc + body.format(text=text))


@pytest.fixture
def no_network(monkeypatch):
    """Every connection attempt is recorded and refused."""
    tried: list[object] = []

    def refuse(*args, **kwargs):
        tried.append(args)
        raise OSError("network use in a test of file reading")

    monkeypatch.setattr(socket.socket, "connect", lambda self, *a: refuse(*a))
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return tried


def _refused_quickly(path: Path, reason: str) -> InputError:
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        read_roads(path)
    took = time.perf_counter() - start
    message = str(info.value)
    assert took < QUICK_S, f"{path.name} refused after {took:.2f} s"
    assert str(path) in message
    assert reason in message
    assert "no DTD and no entities" in message
    assert "export the file again without a DOCTYPE" in message
    assert SECRET not in message
    return info.value


@pytest.mark.parametrize(
    ("kind", "suffix"),
    [
        ("osm", ".osm"),
        ("osm", ".osm.bz2"),
        ("osm", ".xml"),
        ("graphml", ".graphml"),
        ("graphml", ".graphml.gz"),
    ],
)
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_entity_declarations_are_refused_before_parsing(tmp_path, no_network, attack, kind, suffix):
    path = _attack_file(tmp_path, attack, kind, suffix)
    _refused_quickly(path, ATTACKS[attack][1])
    assert no_network == []


@pytest.mark.parametrize(("kind", "suffix"), [("osm", ".osm"), ("graphml", ".graphml.bz2")])
def test_an_external_dtd_is_refused(tmp_path, no_network, kind, suffix):
    root, body = BODIES[kind]
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE {root} SYSTEM "http://example.invalid/{root}.dtd">\n'
        + body.format(text="Calle 1")
    )
    path = _write(tmp_path / f"roads{suffix}", doc)
    _refused_quickly(path, f"its DOCTYPE {root!r} refers to an external DTD")
    assert no_network == []


def test_a_billion_laughs_file_is_refused_in_well_under_a_second(tmp_path):
    path = _attack_file(tmp_path, "billion-laughs", "osm", ".osm")
    start = time.perf_counter()
    with pytest.raises(InputError, match="declares the entity 'lol0'"):
        check_xml(path, "roads")
    assert time.perf_counter() - start < 0.05


def test_usual_road_files_still_read(tmp_path, no_network):
    """No DOCTYPE (as OSMnx, networkx, JOSM write), or one without entities: read as before."""
    pytest.importorskip("osmnx")
    plain_osm = _write(
        tmp_path / "plain.osm.bz2", '<?xml version="1.0"?>\n' + OSM_BODY.format(text="Calle 1")
    )
    G = read_roads(plain_osm)
    assert G.number_of_edges() == 2  # one two-way road, simplified to one edge each way
    assert sum(d["length"] for *_, d in G.edges(data=True)) == pytest.approx(2 * 440.0, rel=0.02)
    bare_doctype = _write(
        tmp_path / "bare.graphml",
        '<?xml version="1.0"?>\n<!-- exported -->\n<!DOCTYPE graphml>\n'
        + GRAPHML_BODY.format(text="Calle &amp; 1"),
    )
    G = read_roads(bare_doctype)
    assert G.number_of_edges() == 1
    assert next(iter(G.edges(data=True)))[2]["name"] == "Calle & 1"
    assert G.nodes[2]["x"] - G.nodes[1]["x"] == pytest.approx(100.0, abs=1e-9)
    assert no_network == []


def test_networkx_graphml_round_trip_passes_the_check(tmp_path):
    G = nx.MultiDiGraph(crs="EPSG:32619")
    G.add_node(1, x=260000.0, y=950000.0)
    G.add_node(2, x=260000.0, y=950250.0)
    G.add_edge(1, 2, name='Avenida <Bolívar> & "Sucre"')
    path = tmp_path / "written.graphml"
    nx.write_graphml(G, path)
    check_xml(path, "roads")
    back = read_roads(path)
    assert [d["name"] for *_, d in back.edges(data=True)] == ['Avenida <Bolívar> & "Sucre"']
    assert back.nodes[2]["y"] - back.nodes[1]["y"] == pytest.approx(250.0, abs=1e-9)


def test_files_that_are_not_xml_are_left_to_the_reader(tmp_path):
    broken = _write(tmp_path / "cut.graphml", '<?xml version="1.0"?>\n<graphml><graph')
    check_xml(broken, "roads")  # not well-formed: no verdict here
    with pytest.raises(InputError, match="not a readable GraphML file"):
        read_roads(broken)
    fake_bz2 = _write(tmp_path / "fake.osm", "")
    (tmp_path / "fake.osm.bz2").write_bytes(b"not bz2 at all")
    check_xml(tmp_path / "fake.osm.bz2", "roads")
    check_xml(fake_bz2, "roads")
