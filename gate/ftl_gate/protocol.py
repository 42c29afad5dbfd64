"""Frame codec: 8 lowercase hex digits of body byte length, then a UTF-8 JSON body."""
import json

MAX_FRAME = 64 * 1024 * 1024
_WS = b" \t\r\n"


class ProtocolError(Exception):
    pass


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


def read_frame(stream):
    """Read one message from a buffered binary stream.

    Returns (type, data, id_or_None), or None on a clean end of input.
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
    if length > MAX_FRAME:
        raise ProtocolError("frame of %d bytes exceeds the 64 MiB limit" % length)
    if not _skip_ws(stream):
        raise ProtocolError("end of input inside a frame (body: got 0 of %d bytes)" % length)
    body = _read_exact(stream, length, "body")
    try:
        msg = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ProtocolError("frame body is not valid JSON: %s" % e)
    if not isinstance(msg, list) or len(msg) not in (2, 3) or not isinstance(msg[0], str):
        raise ProtocolError("frame body is not a [type, data] or [type, data, id] array")
    msg_id = msg[2] if len(msg) == 3 else None
    if msg_id is not None and (not isinstance(msg_id, int) or isinstance(msg_id, bool)):
        raise ProtocolError("frame id is not an integer: %r" % (msg_id,))
    return msg[0], msg[1], msg_id


def encode_frame(msg_type, data, msg_id=None):
    body = [msg_type, data] if msg_id is None else [msg_type, data, msg_id]
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")
    return b"%08x" % len(raw) + raw
