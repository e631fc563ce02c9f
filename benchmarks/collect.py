"""Copy the latest tables from benchmarks/results/*.md into benchmarks/README.md.

Each benchmark script writes its own table into ``results/``; this keeps the
README's "Latest tables" section (between the ``<!-- results -->`` markers)
equal to them. Run it after any benchmark::

    python benchmarks/collect.py
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["terrain", "flood", "screening", "routing", "evacuation", "ensemble"]


def main() -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    files = sorted(HERE.glob("results/*.md"), key=lambda p: [*ORDER, p.stem].index(p.stem))
    parts = []
    for path in files:
        body = path.read_text(encoding="utf-8").strip()
        # headings shifted so that each file's top level is ### under "Latest tables"
        levels = [len(h) for h in re.findall(r"^(#+) ", body, flags=re.M)] or [3]
        shift = 3 - min(levels)
        body = re.sub(r"^(#+) ", lambda m, k=shift: "#" * (len(m.group(1)) + k) + " ", body, flags=re.M)
        parts.append(f"<!-- from results/{path.name} -->\n{body}")
    block = "<!-- results -->\n" + "\n\n".join(parts) + "\n<!-- /results -->"
    new = re.sub(r"<!-- results -->.*<!-- /results -->", lambda _: block, text, flags=re.S)
    readme.write_text(new, encoding="utf-8")
    print(f"{readme}: {len(files)} tables")


if __name__ == "__main__":
    main()
