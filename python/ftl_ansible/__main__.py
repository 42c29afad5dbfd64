"""`python3 path/to/python/ftl_ansible`: started by ftl (src/hosts/ansible-worker.ts)."""
import os
import sys

if __name__ == "__main__":
    # Run as a directory, Python puts the package directory itself first on sys.path, where
    # its modules would shadow standard ones by name; the package's parent goes there instead.
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from ftl_ansible.server import main

    sys.exit(main())
