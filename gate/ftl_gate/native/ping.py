"""ansible.builtin.ping, natively."""
from ..context import ModuleFailed
from .argspec import check

SPEC = {"data": {"type": "str", "default": "pong"}}


def run(params, ctx):
    p = check("ping", params, SPEC)
    if p["data"] == "crash":
        raise ModuleFailed("boom", exception="Exception: boom")
    return {"ping": p["data"], "changed": False}
