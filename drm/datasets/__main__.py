"""``python -m drm.datasets``: regenerate the sample data files in ``hazard_data/``.

With no arguments it also rewrites ``hazard_data/kettle_ford_raw/`` (Kettle Ford as a planner
receives it, :func:`drm.datasets.write_as_received`), which is made from the Kettle Ford town.
"""

import sys

from drm.datasets._as_received import write_as_received
from drm.datasets._write import _main

if __name__ == "__main__":
    _main()
    if len(sys.argv) == 1:
        for path in write_as_received().values():
            print(path)
