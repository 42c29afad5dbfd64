"""Frame codec: 8 lowercase hex digits of body byte length, then a UTF-8 JSON body.

Text that is not valid UTF-8 (file names, a command's output) reaches the gate as
Python's surrogateescape makes it: lone surrogates U+DC80..U+DCFF. They travel as JSON
escapes (\\udcXX), as Ansible's modules send them, so the controller gets the same
code units Ansible's controller gets.
"""
import json
import re

MAX_FRAME = 64 * 1024 * 1024
_WS = b" \t\r\n"
# The id is the last element of a [type, data, id] body: readable even when the rest is not.
_TAIL_ID = re.compile(rb",\s*(-?[0-9]{1,18})\s*\]\s*$")
_HEAD_TYPE = re.compile(rb'^\s*\[\s*"([A-Za-z][A-Za-z0-9_]{0,63})"')
_SURROGATE = re.compile("[\ud800-\udfff]")
_TAIL_KEEP = 64


class ProtocolError(Exception):
    """The stream cannot be read on: the gate stops."""


class FrameTooLarge(Exception):
    def __init__(self, size):
        Exception.__init__(self, "a frame of %d bytes is over the %d MiB limit" % (size, MAX_FRAME // (1024 * 1024)))
        self.size = size


class BadRequest:
    """A whole frame that is not a request: answered with an Error (for its id when that can be read), then the next frame."""

    def __init__(self, message, msg_id=None, msg_type=None):
        self.message = message
        self.id = msg_id
        self.type = msg_type


def _skip_ws(stream):
    """Skip whitespace; return False on end of input."""
    while True:
        b = stream.peek(1)[:1]
        if not b:
            return False
        if b in _WS:
            stream.read(1)
            continue
        return True


def _read_exact(stream, n, what):
    chunks = []
    left = n
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            raise ProtocolError("end of input inside a frame (%s: got %d of %d bytes)" % (what, n - left, n))
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _skip_body(stream, n):
    """Reads past a body too large to keep; returns its first and last bytes (the type and the id are there)."""
    head = b""
    tail = b""
    left = n
    while left > 0:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            raise ProtocolError("end of input inside a frame (body: got %d of %d bytes)" % (n - left, n))
        if len(head) < _TAIL_KEEP:
            head += chunk[: _TAIL_KEEP - len(head)]
        tail = (tail + chunk)[-_TAIL_KEEP:]
        left -= len(chunk)
    return head, tail


def _ids_of(head, tail):
    m = _TAIL_ID.search(tail)
    t = _HEAD_TYPE.match(head)
    return (int(m.group(1)) if m else None), (t.group(1).decode("ascii") if t else None)


def read_frame(stream):
    """Read one message from a buffered binary stream.

    Returns (type, data, id_or_None); a BadRequest for a frame that was read whole but
    is not a request; None on a clean end of input. Raises ProtocolError when the
    stream itself is broken (the length is not hex, the input ends inside a frame).
    """
    if not _skip_ws(stream):
        return None
    raw_len = _read_exact(stream, 8, "length")
    try:
        text = raw_len.decode("ascii")
        length = int(text, 16)
        if len(text) != 8 or text.strip() != text or text.startswith(("+", "-")):
            raise ValueError
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("frame length is not 8 hex digits: %r" % raw_len)
    if not _skip_ws(stream):
        raise ProtocolError("end of input inside a frame (body: got 0 of %d bytes)" % length)
    if length > MAX_FRAME:
        head, tail = _skip_body(stream, length)
        msg_id, msg_type = _ids_of(head, tail)
        return BadRequest("request of %d bytes is over the %d MiB frame limit" % (length, MAX_FRAME // (1024 * 1024)), msg_id, msg_type)
    body = _read_exact(stream, length, "body")
    try:
        msg = json.loads(body.decode("utf-8"))
    except RecursionError:
        msg_id, msg_type = _ids_of(body[:_TAIL_KEEP], body[-_TAIL_KEEP:])
        return BadRequest("request is nested too deeply to read", msg_id, msg_type)
    except (UnicodeDecodeError, ValueError) as e:
        msg_id, msg_type = _ids_of(body[:_TAIL_KEEP], body[-_TAIL_KEEP:])
        return BadRequest("request is not valid JSON: %s" % e, msg_id, msg_type)
    if not isinstance(msg, list) or len(msg) not in (2, 3) or not isinstance(msg[0], str):
        msg_id, msg_type = _ids_of(body[:_TAIL_KEEP], body[-_TAIL_KEEP:])
        return BadRequest("request is not a [type, data] or [type, data, id] array", msg_id, msg_type)
    msg_id = msg[2] if len(msg) == 3 else None
    if msg_id is not None and (not isinstance(msg_id, int) or isinstance(msg_id, bool)):
        return BadRequest(("request id is not an integer: %r" % (msg_id,))[:80], None, msg[0])
    return msg[0], msg[1], msg_id


def _escape_surrogates(text):
    return _SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), text)


def encode_frame(msg_type, data, msg_id=None):
    """The frame's bytes. Raises FrameTooLarge, or what json raises for data it cannot encode."""
    body = [msg_type, data] if msg_id is None else [msg_type, data, msg_id]
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates appear only inside JSON strings, so their \\u escapes are valid JSON there.
        raw = _escape_surrogates(text).encode("utf-8")
    if len(raw) > MAX_FRAME:
        raise FrameTooLarge(len(raw))
    return b"%08x" % len(raw) + raw
