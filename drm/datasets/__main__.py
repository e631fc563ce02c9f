"""``python -m drm.datasets``: regenerate the sample data files in ``hazard_data/``."""

from drm.datasets._write import _main

if __name__ == "__main__":
    _main()
