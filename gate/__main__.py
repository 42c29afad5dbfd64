"""Entry point of the ftl gate zipapp: `python3 ftl-gate.pyz`."""
import sys

from ftl_gate.main import main

if __name__ == "__main__":
    sys.exit(main())
