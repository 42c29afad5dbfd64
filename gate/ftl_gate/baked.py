"""Module sources baked into the gate's zip (`ftl gate build --modules`, gateModules).

The controller writes ftl_gate/baked/<hash>.src for each module and module_utils file, and
ftl_gate/baked_index.py listing them. Hello tells the controller these hashes, so it sends
only names and hashes; when the host's module cache lacks a file, it is taken from the
zip here, never asked of the controller. A plain gate has no index and bakes nothing.
"""
_hashes = None


def hashes():
    """The content hashes (sha256[:16]) of the sources this gate carries."""
    global _hashes
    if _hashes is None:
        try:
            from . import baked_index

            _hashes = frozenset(baked_index.HASHES)
        except ImportError:
            _hashes = frozenset()
    return _hashes


def restore(path, digest):
    """Writes the baked source with this hash to path (the module cache); False when this gate has none."""
    if digest not in hashes():
        return False
    # Imported here, not at start: Hello reads hashes() and must stay quick.
    import hashlib
    import os
    import pkgutil
    import tempfile

    try:
        data = pkgutil.get_data(__package__, "baked/%s.src" % digest)
    except OSError:
        return False
    if data is None or hashlib.sha256(data).hexdigest()[:16] != digest:
        return False
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.rename(tmp, path)
    return True
