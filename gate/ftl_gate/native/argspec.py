"""A small argument checker for native modules, with Ansible's error messages."""
from ..context import ModuleFailed

_BOOL_TRUE = ("yes", "on", "1", "true", "y", "t")
_BOOL_FALSE = ("no", "off", "0", "false", "n", "f")


def to_bool(value, name):
    if isinstance(value, bool):
        return value
    s = str(value).lower()
    if s in _BOOL_TRUE:
        return True
    if s in _BOOL_FALSE:
        return False
    raise ModuleFailed("argument '%s' is of type %s and we were unable to convert to bool: The value '%s' is not a valid boolean.  Valid booleans include: 0, 'off', 1, 'no', 'y', 'true', 'f', 'false', 'n', 'on', 'yes', 't'" % (name, type(value).__name__, value))


def check(module_name, params, spec, aliases=None):
    """spec: {name: {"type": "str"|"bool"|"int"|"list"|"raw"|"path", "default": .., "choices": [..], "required": bool}}

    Returns params with defaults filled and values converted, or raises ModuleFailed
    with the message Ansible gives for the same mistake.
    """
    aliases = aliases or {}
    out = {}
    given = dict(params)
    for alias, target in aliases.items():
        if alias in given:
            given.setdefault(target, given.pop(alias))
    unknown = sorted(k for k in given if k not in spec)
    if unknown:
        supported = sorted(list(spec) + list(aliases))
        raise ModuleFailed("Unsupported parameters for (%s) module: %s. Supported parameters include: %s." % (module_name, ", ".join(unknown), ", ".join(supported)))
    missing = sorted(k for k, s in spec.items() if s.get("required") and given.get(k) is None)
    if missing:
        raise ModuleFailed("missing required arguments: %s" % ", ".join(missing))
    for name, s in spec.items():
        value = given.get(name, s.get("default"))
        if value is not None:
            value = _convert(name, value, s.get("type", "str"))
            choices = s.get("choices")
            if choices is not None and value not in choices:
                raise ModuleFailed("value of %s must be one of: %s, got: %s" % (name, ", ".join(str(c) for c in choices), value))
        out[name] = value
    return out


def _convert(name, value, kind):
    if kind == "bool":
        return to_bool(value, name)
    if kind == "int":
        if isinstance(value, bool):
            raise ModuleFailed("argument '%s' is of type bool and we were unable to convert to int" % name)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ModuleFailed("argument '%s' is of type %s and we were unable to convert to int: %r cannot be converted to an int" % (name, type(value).__name__, value))
    if kind in ("str", "path"):
        if isinstance(value, (dict, list)):
            raise ModuleFailed("argument '%s' is of type %s and we were unable to convert to str" % (name, type(value).__name__))
        if isinstance(value, bool):
            return "True" if value else "False"
        return str(value)
    if kind == "list":
        if isinstance(value, list):
            return value
        if isinstance(value, str):
            return [v.strip() for v in value.split(",")] if value else []
        return [value]
    return value
