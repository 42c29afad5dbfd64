"""Native modules: run inside the gate, no new Python process.

Each is a submodule with `run(params, ctx) -> dict`, where params are the user's
options (no _ansible_* keys) and ctx is a RequestContext (check_mode, diff,
track() for child processes). Fail with context.ModuleFailed(msg, **extra).
The result must carry the keys Ansible's module returns for the same call.
"""

from .. import lazy

NAMES = ("ping", "command", "shell", "stat", "slurp", "file", "copy", "facts")


def names():
    return list(NAMES)


def get(name):
    if name not in NAMES:
        return None
    return lazy.load("native." + name)
