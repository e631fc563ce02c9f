"""No code from untrusted files, no network at run time (issue 21).

1. A static check of every module under ``drm/``: no call that runs code found
   in a file (pickle, dill, cloudpickle, joblib, shelve and marshal loads;
   ``eval``/``exec``; ``yaml.load``; ``read_pickle``), no ``allow_pickle=True``.
   ``ast.literal_eval`` (plain literals only) is allowed.
2. A full scenario run end to end in a fresh interpreter whose sockets refuse
   to connect or resolve (``socket.socket.connect``, ``connect_ex``,
   ``socket.create_connection``, ``socket.getaddrinfo``): it completes, writes
   ``report.html`` and tried no connection; the same patch makes ``urlopen`` and
   a connection to a listening local port fail, so the patch is in force.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..tiny_town import write_tiny

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "drm"

#: Modules whose loaders build objects (and so run code) from the bytes they read.
UNSAFE_MODULES = {
    "pickle",
    "_pickle",
    "cPickle",
    "dill",
    "cloudpickle",
    "joblib",
    "shelve",
    "marshal",
}
#: Their functions (and classes) that load.
UNSAFE_LOADERS = {"load", "loads", "Unpickler", "open", "load_all"}
#: Dotted calls refused whatever the module (after import aliases are resolved).
UNSAFE_CALLS = {"yaml.load", "yaml.load_all", "yaml.unsafe_load", "yaml.unsafe_load_all"}
#: Builtins that run code given as text.
UNSAFE_BUILTINS = {"eval", "exec"}
#: Method or function names refused on any object (``pd.read_pickle``, ``df.to_pickle`` round trips).
UNSAFE_ATTRIBUTES = {"read_pickle"}


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted origin, for every import in the module (at any depth)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                names[a.asname or a.name.split(".")[0]] = (
                    a.name if a.asname else a.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}"
    return names


def _dotted(func: ast.expr, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    parts.append(aliases.get(func.id, func.id))
    return ".".join(reversed(parts))


def unsafe_calls(source: str, filename: str) -> list[str]:
    """The calls in ``source`` that could run code read from a file, as 'file:line: what'."""
    tree = ast.parse(source, filename)
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases) or ""
        head, _, last = name.rpartition(".")
        why = None
        builtin = isinstance(node.func, ast.Name) and node.func.id not in aliases  # not imported
        if builtin and node.func.id in UNSAFE_BUILTINS:
            why = f"{node.func.id}()"
        if head.split(".")[0] in UNSAFE_MODULES and last in UNSAFE_LOADERS:
            why = name
        if name in UNSAFE_CALLS:
            why = name
        if isinstance(node.func, ast.Attribute) and node.func.attr in UNSAFE_ATTRIBUTES:
            why = f".{node.func.attr}()"
        for kw in node.keywords:
            if kw.arg == "allow_pickle" and not (
                isinstance(kw.value, ast.Constant) and kw.value.value is False
            ):
                why = f"{name or 'a call'}(allow_pickle=...)"
        if why:
            found.append(f"{filename}:{node.lineno}: {why}")
    return found


def test_the_checker_finds_what_it_looks_for():
    bad = """
import pickle
import pickle as pk
from marshal import loads as ml
import numpy as np
import pandas as pd
import yaml
from dill import load
pickle.loads(b"")
pk.load(open("x", "rb"))
ml(b"")
np.load("x.npy", allow_pickle=True)
pd.read_pickle("x.pkl")
yaml.load("a: 1")
load(open("x"))
eval("1 + 1")
exec("x = 1")
"""
    found = unsafe_calls(bad, "bad.py")
    assert [f.split(": ", 1)[1] for f in found] == [
        "pickle.loads",
        "pickle.load",
        "marshal.loads",
        "numpy.load(allow_pickle=...)",
        ".read_pickle()",
        "yaml.load",
        "dill.load",
        "eval()",
        "exec()",
    ]
    fine = """
import ast
import json
import numpy as np
import yaml
ast.literal_eval("(1, 2)")
json.loads("{}")
np.load("x.npy")
np.load("x.npy", allow_pickle=False)
yaml.safe_load("a: 1")
model.eval()
"""
    assert unsafe_calls(fine, "fine.py") == []


def test_no_module_of_drm_runs_code_read_from_a_file():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50  # the whole package, not an empty folder
    found = [
        hit
        for path in modules
        for hit in unsafe_calls(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    ]
    assert found == []


#: Run in a fresh interpreter: block the network, check the block, run the scenario.
OFFLINE = r"""
import json, socket, sys, time, urllib.error, urllib.request

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
port = listener.getsockname()[1]


class NetworkUsed(OSError):
    pass


attempts = []


def refuse(what):
    def blocked(*args, **kwargs):
        attempts.append(what)
        raise NetworkUsed(f"network use during a drm run: {what}")

    return blocked


socket.socket.connect = refuse("socket.connect")
socket.socket.connect_ex = refuse("socket.connect_ex")
socket.create_connection = refuse("socket.create_connection")
socket.getaddrinfo = refuse("socket.getaddrinfo")

controls = {}
try:
    urllib.request.urlopen("http://example.invalid/", timeout=5)
except urllib.error.URLError as err:
    controls["urlopen"] = type(err.reason).__name__
client = socket.socket()
try:
    client.connect(("127.0.0.1", port))
except NetworkUsed as err:
    controls["local_connect"] = type(err).__name__
controls["attempts"] = list(attempts)
attempts.clear()

import pyproj
import drm

start = time.perf_counter()
result = drm.run_scenario(sys.argv[1], sys.argv[2], progress=False)
print(json.dumps({
    "controls": controls,
    "attempts": attempts,
    "seconds": time.perf_counter() - start,
    "files": sorted(p.name for p in result.files.values()),
    "persons_at_risk": result.summary["exposure"]["persons_at_risk"],
    "proj_network": pyproj.network.is_network_enabled(),
}))
"""


@pytest.mark.slow
def test_a_full_run_needs_no_network(tmp_path):
    scenario = write_tiny(tmp_path / "tiny.toml", "tiny offline test")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROJ_NETWORK")}
    env["MPLBACKEND"] = (
        "Agg"  # DRM_CACHE (the session's cache) is inherited: a cached flood is reused
    )
    proc = subprocess.run(
        [sys.executable, "-c", OFFLINE, str(scenario), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    # the patch is in force: a web request and a connection to a listening local port both fail
    assert report["controls"] == {
        "urlopen": "NetworkUsed",
        "local_connect": "NetworkUsed",
        "attempts": ["socket.create_connection", "socket.connect"],
    }
    assert report["attempts"] == []  # the run tried no connection, not even one it survived
    assert report["proj_network"] is False  # nor did it switch PROJ's grid downloads on
    assert "report.html" in report["files"]
    assert (out / "report.html").stat().st_size > 100_000
    assert not (out / "INCOMPLETE").exists()
    assert report["persons_at_risk"] > 1000
    print(f"offline run: {report['seconds']:.1f} s")
