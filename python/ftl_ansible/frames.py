"""The gate's framing (docs/gate-protocol.md): 8 lowercase hex digits giving the body's byte
length, then a UTF-8 JSON body [type, data] or [type, data, id].

A small copy of gate/ftl_gate/protocol.py rather than an import of it: the gate is pure
standard library for Python 3.8 on hosts and changes on its own schedule; this worker runs
only on the controller. The two must read and write the same bytes (tests check both).
"""
import json

MAX_FRAME = 64 * 1024 * 1024
_WS = b" \t\r\n"


class ProtocolError(Exception):
    pass


def _skip_ws(stream):
    while True:
        b = stream.peek(1)[:1]
        if not b:
            return False
        if b not in _WS:
            return True
        stream.read(1)


def _read_exact(stream, n, what):
    parts = []
    left = n
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            raise ProtocolError("end of input inside a frame (%s: got %d of %d bytes)" % (what, n - left, n))
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def read_frame(stream):
    """(type, data, id or None) from a buffered binary stream, or None at a clean end of input."""
    if not _skip_ws(stream):
        return None
    head = _read_exact(stream, 8, "length")
    try:
        text = head.decode("ascii")
        if text.strip() != text or text.startswith(("+", "-")):
            raise ValueError(text)
        length = int(text, 16)
    except ValueError:
        raise ProtocolError("frame length is not 8 hex digits: %r" % head)
    if length > MAX_FRAME:
        raise ProtocolError("frame of %d bytes exceeds the 64 MiB limit" % length)
    if not _skip_ws(stream):
        raise ProtocolError("end of input inside a frame (body: got 0 of %d bytes)" % length)
    body = _read_exact(stream, length, "body")
    try:
        msg = json.loads(body.decode("utf-8"))
    except ValueError as e:
        raise ProtocolError("frame body is not valid JSON: %s" % e)
    if not isinstance(msg, list) or len(msg) not in (2, 3) or not isinstance(msg[0], str):
        raise ProtocolError("frame body is not a [type, data] or [type, data, id] array")
    msg_id = msg[2] if len(msg) == 3 else None
    if msg_id is not None and (not isinstance(msg_id, int) or isinstance(msg_id, bool)):
        raise ProtocolError("frame id is not an integer: %r" % (msg_id,))
    return msg[0], msg[1], msg_id


def _finite(value):
    """NaN and infinities as Python writes them ('nan', 'inf'): JSON has no such numbers, and
    a reader that meets NaN in a frame must treat the whole stream as broken."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else repr(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def encode_frame(msg_type, data, msg_id=None):
    body = [msg_type, data] if msg_id is None else [msg_type, data, msg_id]
    try:
        raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        raw = json.dumps(_finite(body), separators=(",", ":"), ensure_ascii=False, default=str)
    # Text with lone surrogates (undecodable bytes read with surrogateescape) cannot be UTF-8.
    raw = raw.encode("utf-8", "replace")
    return b"%08x" % len(raw) + raw
