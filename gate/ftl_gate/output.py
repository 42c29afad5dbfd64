"""Output too big for a reply: kept to the first max_output bytes of each stream, the
rest counted, so a reply stays under the frame limit and the gate's memory stays bounded.

A result whose stdout (stderr, module_stdout, module_stderr) was cut says so:
`truncated: true` and `<key>_truncated_bytes`, the bytes left out. Its `<key>_lines`
go too; the controller makes them from the text it got, as Ansible's controller does.
"""
import os
import threading

DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024
TEXT_KEYS = ("stdout", "stderr", "module_stdout", "module_stderr")


def max_output_of(data):
    """The request's max_output (bytes per stream), or the default."""
    v = data.get("max_output") if isinstance(data, dict) else None
    if isinstance(v, int) and not isinstance(v, bool) and v > 0:
        return v
    return DEFAULT_MAX_OUTPUT


def _feed(stream, data):
    try:
        stream.write(data)
    except (BrokenPipeError, OSError, ValueError):
        pass  # the program does not read its stdin, or has ended
    finally:
        try:
            stream.close()
        except (BrokenPipeError, OSError):
            pass


def read_bounded(proc, data, limit):
    """A child's stdout and stderr to their end, as communicate() reads them, but holding
    at most `limit` bytes of each: returns (out, out_dropped, err, err_dropped)."""
    import selectors

    if proc.stdin is not None:
        threading.Thread(target=_feed, args=(proc.stdin, data or b""), daemon=True).start()
    streams = [proc.stdout, proc.stderr]
    kept = [bytearray(), bytearray()]
    dropped = [0, 0]
    sel = selectors.DefaultSelector()
    try:
        for i, f in enumerate(streams):
            sel.register(f.fileno(), selectors.EVENT_READ, i)
        while sel.get_map():
            for key, _ in sel.select():
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fd)
                    continue
                buf = kept[key.data]
                room = limit - len(buf)
                if room > 0:
                    buf += chunk[:room]
                dropped[key.data] += max(0, len(chunk) - max(room, 0))
    finally:
        sel.close()
        for f in streams:
            f.close()
    proc.wait()
    out, out_dropped = _whole_chars(bytes(kept[0]), dropped[0])
    err, err_dropped = _whole_chars(bytes(kept[1]), dropped[1])
    return out, out_dropped, err, err_dropped


def _whole_chars(data, dropped):
    """A cut never splits a UTF-8 sequence: a partial one at the end goes with the dropped bytes."""
    if dropped == 0:
        return data, 0
    for back in range(1, min(4, len(data)) + 1):
        b = data[-back]
        if b & 0xC0 == 0x80:
            continue  # a continuation byte: its lead is further back
        need = 2 if b & 0xE0 == 0xC0 else 3 if b & 0xF0 == 0xE0 else 4 if b & 0xF8 == 0xF0 else 1
        if need > back:
            return data[:-back], dropped + back
        break
    return data, dropped


def cut_text(text, limit):
    """(text cut to at most `limit` UTF-8 bytes at a character boundary, bytes left out)."""
    if len(text) <= limit // 4 or (len(text) <= limit and text.isascii()):
        return text, 0  # no character is more than 4 bytes, an ASCII one is 1
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape")
    if len(raw) <= limit:
        return text, 0
    kept, dropped = _whole_chars(raw[:limit], len(raw) - limit)
    return kept.decode("utf-8", "surrogateescape"), dropped


def mark_cut(result, key, dropped):
    if dropped > 0:
        result["truncated"] = True
        result["%s_truncated_bytes" % key] = result.get("%s_truncated_bytes" % key, 0) + dropped
        result.pop("%s_lines" % key, None)


def limit_result(result, limit):
    """Cuts a module result's output texts to `limit` bytes each (in place); returns it."""
    if not isinstance(result, dict):
        return result
    for key in TEXT_KEYS:
        v = result.get(key)
        if isinstance(v, str):
            try:
                result[key], dropped = cut_text(v, limit)
            except UnicodeEncodeError:
                continue  # a surrogate outside surrogateescape's range: left as it is
            mark_cut(result, key, dropped)
    return result


def limit_reply(reply_type, reply, limit):
    """A module reply with its output cut to the request's max_output."""
    if reply_type == "ModuleResult":
        limit_result(reply, limit)
    elif reply_type == "FTLModuleResult" and isinstance(reply, dict):
        limit_result(reply.get("result"), limit)
    return reply_type, reply
