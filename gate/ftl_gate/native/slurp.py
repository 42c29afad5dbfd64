"""ansible.builtin.slurp natively: a file's content, base64."""
from ..context import ModuleFailed
from .argspec import check

SPEC = {"src": {"type": "path", "required": True, "aliases": ["path"]}}


def run(params, ctx):
    import base64
    import errno

    source = check("slurp", params, SPEC)["src"]
    try:
        with open(source, "rb") as fh:
            content = fh.read()
    except (IOError, OSError) as e:
        if e.errno == errno.ENOENT:
            msg = "file not found: %s" % source
        elif e.errno == errno.EACCES:
            msg = "file is not readable: %s" % source
        elif e.errno == errno.EISDIR:
            msg = "source is a directory and must be a file: %s" % source
        else:
            msg = "unable to slurp file: %s" % e
        raise ModuleFailed(msg)
    return {"content": base64.b64encode(content).decode("ascii"), "source": source, "encoding": "base64", "changed": False}
