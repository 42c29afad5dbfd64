"""Module files on the host: kept by content hash, laid out as packages to import.

A file's name holds the hash of its content, and a file whose content does not hash to
its name (edited, cut short) is treated as not there: a source is asked for again (the
controller sends it), a lib directory is built anew.

Sources arrive once (base64, with their content hash) and are kept under
~/.ftl/modules, so later calls and later sessions send only names and hashes:
- a module as `<fqcn>-<hash>.py`, a collection module_utils file as `utils/<hash>.py`;
- for each distinct set (module + its module_utils), a directory `lib/<key>/` laid
  out as AnsiballZ lays out its zip: `ansible/modules/<name>.py`, or
  `ansible_collections/<ns>/<coll>/plugins/...` with every package's `__init__.py`
  (empty ones made where the collection has none). A module runs from there as the
  package module Ansible runs (`ansible.modules.stat`), so its relative imports work
  and it never shadows a standard module of the same name (stat, copy, tempfile).
  The gate's zip carries ansible.module_utils; this directory adds only the rest.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time

_cache_dir = None
# lib dir -> the stat fingerprint of its files when they last hashed right (see _lib_intact).
_verified = {}
_verified_lock = threading.Lock()
# A file changed less than this long ago may change again within the same timestamp tick
# without its times moving (as git's "racily clean" entries): its fingerprint is not kept.
RACY_S = 2.0

# `ansible/__init__.py` of a lib dir. It runs only in a fresh interpreter that puts the
# lib dir first on sys.path (a module respawned under another Python, as
# module_utils.common.respawn does): it adds the gate's own `ansible` package after
# this one, so ansible.module_utils still comes from the gate.
BRIDGE = b'''"""ftl: this directory's ansible.modules, then the gate's ansible package (module_utils)."""
import os
import sys
from importlib.machinery import PathFinder

_here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _entry in sys.path:
    if not _entry or os.path.abspath(_entry) == _here:
        continue
    _spec = PathFinder.find_spec(__name__, [_entry])
    if _spec is not None and _spec.submodule_search_locations:
        __path__.extend(p for p in _spec.submodule_search_locations if p not in __path__)
        break
'''

_FQN = re.compile(r"^(ansible\.modules|ansible_collections(\.[A-Za-z_][A-Za-z0-9_]*){4,})(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_UTIL_PATH = re.compile(r"^ansible_collections(/[A-Za-z_][A-Za-z0-9_]*)+\.py$")


class MissingSource(Exception):
    """A file named by hash is not on this host: the controller must send its source."""


def cache_dir():
    """~/.ftl/modules, or a private temp dir for users without a usable home (nobody)."""
    global _cache_dir
    if _cache_dir is None:
        for d in (os.path.join(os.path.expanduser("~"), ".ftl", "modules"), os.path.join(tempfile.gettempdir(), "ftl-modules-%d" % os.getuid())):
            try:
                os.makedirs(d, mode=0o700, exist_ok=True)
                if os.stat(d).st_uid == os.getuid() and os.access(d, os.W_OK):
                    _cache_dir = d
                    break
            except OSError:
                continue
        else:
            raise OSError("no writable directory for module files (home and %s)" % tempfile.gettempdir())
    return _cache_dir


def default_fqn(name):
    """The package name Ansible runs a module as, from its FQCN (controllers that send no module_fqn)."""
    parts = name.split(".")
    if len(parts) >= 3 and parts[:2] != ["ansible", "builtin"]:
        return "ansible_collections.%s.%s.plugins.modules.%s" % (parts[0], parts[1], ".".join(parts[2:]))
    return "ansible.modules.%s" % parts[-1]


def check_fqn(fqn):
    if not isinstance(fqn, str) or not _FQN.match(fqn):
        raise ValueError("module_fqn %r is not ansible.modules.<name> or ansible_collections.<ns>.<coll>.plugins.modules.<name>" % (fqn,))
    return fqn


def _write_atomic(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def _digest(data):
    return hashlib.sha256(data).hexdigest()[:16]


def _holds(path, digest):
    """Whether the file at path is there and its content hashes to digest."""
    try:
        with open(path, "rb") as f:
            return _digest(f.read()) == digest
    except OSError:
        return False


def _holds_bytes(path, data):
    try:
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def module_path(name, digest):
    return os.path.join(cache_dir(), "%s-%s.py" % (name.replace(".", "_"), digest))


def store_module(name, source_b64):
    """Keeps a module's source; returns (path, digest)."""
    source = base64.b64decode(source_b64)
    digest = _digest(source)
    path = module_path(name, digest)
    if not _holds(path, digest):
        _write_atomic(path, source)
    return path, digest


def util_path(digest):
    return os.path.join(cache_dir(), "utils", "%s.py" % digest)


def store_utils(utils):
    """Keeps the module_utils sources sent with a call; returns [(rel path, digest)].

    utils: [{"path": "ansible_collections/<ns>/<coll>/plugins/module_utils/x.py", "hash": h, "source"?: b64}]
    """
    out = []
    for u in utils or []:
        if not isinstance(u, dict) or not isinstance(u.get("path"), str) or not _UTIL_PATH.match(u["path"]):
            raise ValueError("module_utils entries need a path ansible_collections/.../name.py, got %r" % (u,))
        digest = u.get("hash")
        if u.get("source"):
            data = base64.b64decode(u["source"])
            digest = _digest(data)
            path = util_path(digest)
            if not _holds(path, digest):
                os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
                _write_atomic(path, data)
        elif not isinstance(digest, str) or not re.match(r"^[0-9a-f]{16}$", digest):
            raise ValueError("module_utils entry %s has neither source nor a valid hash" % u["path"])
        out.append((u["path"], digest))
    return out


def lib_dir(fqn, module_file, module_digest, utils):
    """The directory to put first on sys.path to import `fqn` with its module_utils; built
    once per set, checked at every call (a few small files), built anew when damaged."""
    key = _digest(json.dumps([fqn, module_digest, sorted(utils)]).encode("utf-8"))
    root = os.path.join(cache_dir(), "lib")
    final = os.path.join(root, key)
    sources = {fqn.replace(".", "/") + ".py": (module_file, module_digest)}
    for rel, digest in utils:
        sources[rel] = (util_path(digest), digest)
    if os.path.isdir(final):
        if _lib_intact(final, sources, remember=True):
            return final
        _set_aside(root, final)
    for rel, (src, digest) in sources.items():
        if src is None or not (_holds(src, digest) or _from_baked(src, digest)):
            raise MissingSource(rel)
    os.makedirs(root, mode=0o700, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=root, prefix=".tmp-")
    try:
        for rel, (src, _digest_) in sources.items():
            dest = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(src, dest)
        for pkg in _packages(sources):
            init = os.path.join(tmp, pkg, "__init__.py")
            if not os.path.exists(init):
                with open(init, "wb") as f:
                    f.write(_init_content(pkg))
        if not _lib_intact(tmp, sources):
            raise MissingSource("%s (changed while it was copied)" % fqn)
        try:
            os.rename(tmp, final)
        except OSError:
            # Another call built the same set first: theirs serves if it is whole.
            if not _lib_intact(final, sources):
                raise
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def _from_baked(path, digest):
    """The gate's own copy (baked into its zip), put where the cache keeps it: preferred to asking the controller."""
    from . import baked

    return baked.restore(path, digest)


def _init_content(pkg):
    return BRIDGE if pkg == "ansible" else b""


def _lib_intact(lib, sources, remember=False):
    """Every file the set is made of holds its content: sources by hash, the packages' own __init__ files as written.

    Checked before every call (a damaged or edited lib dir is rebuilt, never run). With
    remember, the files' stat fingerprint is kept once they have hashed right, and a later
    call whose fingerprint is the same skips reading and hashing them: a file cannot
    change content without changing its fingerprint. Writing it moves its mtime and
    ctime; replacing it changes its inode and ctime; and ctime cannot be set back from
    user space (utime sets it to now). Files changed within RACY_S of the check are
    hashed every time, as a write within the same timestamp tick would not move it.
    """
    paths = [(os.path.join(lib, rel), digest, None) for rel, (_src, digest) in sources.items()]
    for pkg in _packages(sources):
        rel = pkg + "/__init__.py"
        if rel not in sources:
            paths.append((os.path.join(lib, rel), None, _init_content(pkg)))
    key = (lib, tuple(sorted(sources.items())))
    if remember:
        seen = _fingerprint(p for p, _d, _c in paths)
        if seen is None:
            return False
        with _verified_lock:
            if _verified.get(key) == seen:
                return True
    for path, digest, content in paths:
        if not (_holds(path, digest) if digest is not None else _holds_bytes(path, content)):
            return False
    if remember and time.time() - max(max(st[3], st[4]) for st in seen) / 1e9 > RACY_S:
        with _verified_lock:
            _verified[key] = seen
    return True


def _fingerprint(paths):
    """Per file: device, inode, size, mtime and ctime (ns); None when one is not there."""
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            return None
        out.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(out)


def _set_aside(root, path):
    """A damaged lib directory leaves its name at once (a rename), then goes."""
    aside = tempfile.mkdtemp(dir=root, prefix=".bad-")
    try:
        os.rename(path, os.path.join(aside, "lib"))
    except OSError:
        pass  # another call moved it first
    shutil.rmtree(aside, ignore_errors=True)


def _packages(files):
    out = set()
    for rel in files:
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]))
    return sorted(out)
