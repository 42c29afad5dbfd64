"""File transfer requests: the controller moves a file's bytes in chunks (copy and
script send files too large to go inline, fetch reads them back), with no helper
interpreter per chunk. They run as the gate's user, so they work under become too.

- PutFile {path, data: base64, offset?: int (default 0) | append?: true, mode?}:
  writes data at offset (offset 0 makes the file anew) or at its end; mode (an int,
  or an octal string such as "0700") is applied after the write. -> PutFileResult {path, size}
- GetFile {path, offset?: int, length?: int}: at most MAX_CHUNK bytes from offset.
  -> GetFileResult {data: base64, offset, size (the whole file's), eof}
- TempDir {prefix?}: a new private (0700) directory. -> TempDirResult {path}
- RemoveTree {path}: a file, a link or a directory with everything in it.
  -> RemoveTreeResult {path, removed}
Trouble with the file system is an Error {message, errno?} naming the path.
"""
import base64
import binascii
import os

# Far below the 64 MiB frame limit once base64 grows it by a third.
MAX_CHUNK = 16 * 1024 * 1024


class _Bad(Exception):
    pass


def _path(data, request):
    p = data.get("path")
    if not isinstance(p, str) or not p or "\0" in p:
        raise _Bad("%s needs a path (a non-empty string)" % request)
    if not os.path.isabs(p):
        raise _Bad("%s needs an absolute path, not %r" % (request, p))
    return p


def _int(data, key, request, default):
    v = data.get(key, default)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise _Bad("%s: %s must be a whole number of bytes, 0 or more, not %r" % (request, key, v))
    return v


def _mode(v, request):
    if v is None:
        return None
    try:
        mode = int(v, 8) if isinstance(v, str) else v
    except ValueError:
        mode = None
    if not isinstance(mode, int) or isinstance(mode, bool) or not 0 <= mode <= 0o7777:
        raise _Bad("%s: mode must be a number such as 448 or an octal string such as '0700', not %r" % (request, v))
    return mode


def _error(request, path, e):
    if isinstance(e, _Bad):
        return "Error", {"message": str(e)}
    if isinstance(e, OSError):
        return "Error", {"message": "%s %s: %s" % (request, path, e.strerror or e), "errno": e.errno}
    return "Error", {"message": "%s %s: %s" % (request, path, e)}


def handle_put_file(gate, data, ctx):
    path = data.get("path")
    try:
        path = _path(data, "PutFile")
        append = data.get("append") is True
        offset = _int(data, "offset", "PutFile", 0)
        mode = _mode(data.get("mode"), "PutFile")
        try:
            chunk = base64.b64decode(data.get("data") or "", validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise _Bad("PutFile: data must be base64")
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        if append:
            flags |= os.O_APPEND
        elif offset == 0:
            flags |= os.O_TRUNC
        fd = os.open(path, flags, 0o600)
        try:
            if not append and offset:
                os.lseek(fd, offset, os.SEEK_SET)
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
            if mode is not None:
                os.fchmod(fd, mode)
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
    except (OSError, _Bad) as e:
        return _error("PutFile", path, e)
    return "PutFileResult", {"path": path, "size": size}


def handle_get_file(gate, data, ctx):
    path = data.get("path")
    try:
        path = _path(data, "GetFile")
        offset = _int(data, "offset", "GetFile", 0)
        length = min(_int(data, "length", "GetFile", MAX_CHUNK), MAX_CHUNK)
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            f.seek(offset)
            chunk = f.read(length)
    except (OSError, _Bad) as e:
        return _error("GetFile", path, e)
    end = offset + len(chunk)
    return "GetFileResult", {"data": base64.b64encode(chunk).decode("ascii"), "offset": offset, "size": size, "eof": end >= size}


def handle_temp_dir(gate, data, ctx):
    import tempfile

    prefix = data.get("prefix", "ftl-tmp-")
    if not isinstance(prefix, str) or "/" in prefix or "\0" in prefix:
        return "Error", {"message": "TempDir: prefix must be a name without '/', not %r" % (prefix,)}
    try:
        return "TempDirResult", {"path": tempfile.mkdtemp(prefix=prefix)}
    except OSError as e:
        return _error("TempDir", tempfile.gettempdir(), e)


def handle_remove_tree(gate, data, ctx):
    import shutil

    path = data.get("path")
    try:
        path = _path(data, "RemoveTree")
        if os.path.realpath(path) == "/" or os.path.normpath(path) == "/":
            raise _Bad("RemoveTree will not remove /")
        if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
            os.unlink(path)
            removed = True
        elif os.path.isdir(path):
            shutil.rmtree(path)
            removed = True
        else:
            removed = False
    except (OSError, _Bad) as e:
        return _error("RemoveTree", path, e)
    return "RemoveTreeResult", {"path": path, "removed": removed}


HANDLERS = {
    "PutFile": handle_put_file,
    "GetFile": handle_get_file,
    "TempDir": handle_temp_dir,
    "RemoveTree": handle_remove_tree,
}
