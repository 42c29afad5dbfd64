"""A small argument checker for native modules, with Ansible's error messages.

It follows the order of ansible.module_utils.common.arg_spec: the first error Ansible
would report is the one raised here (mutually exclusive, required, types, choices,
and unsupported options last).
"""
import os

from ..context import ModuleFailed

_BOOL_TRUE = ("y", "yes", "on", "1", "true", "t")
_BOOL_FALSE = ("n", "no", "off", "0", "false", "f")
# Ansible prints these from a frozenset, so its order varies from run to run.
_BOOL_REPR = "0, 1, 'yes', 'true', 'no', 'off', 'on', 'y', 'n', 'false', '0', 'f', 't', '1'"


def to_bool(value, name):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value in (1, 0):
            return value == 1
    elif isinstance(value, str):
        s = value.lower().strip()
        if s in _BOOL_TRUE:
            return True
        if s in _BOOL_FALSE:
            return False
    else:
        raise _type_error(name, value, "bool", "%s cannot be converted to a bool" % type(value))
    raise _type_error(name, value, "bool", "The value '%s' is not a valid boolean.  Valid booleans include: %s" % (value, _BOOL_REPR))


def _type_error(name, value, wanted, why):
    return ModuleFailed("argument '%s' is of type %s and we were unable to convert to %s: %s" % (name, type(value), wanted, why))


def check(module_name, params, spec, aliases=None, mutually_exclusive=()):
    """spec: {name: {"type": "str"|"bool"|"int"|"list"|"raw"|"path", "default": .., "choices": [..],
    "required": bool, "aliases": [..], "elements": "str"}}; aliases: extra {alias: name}.

    Returns params with defaults filled and values converted, or raises ModuleFailed
    with the message Ansible gives for the same mistake.
    """
    alias_of = dict(aliases or {})
    for name, s in spec.items():
        for alias in s.get("aliases", ()):
            alias_of[alias] = name
    given = {}
    unknown = []
    for key, value in params.items():
        if key in spec:
            given[key] = value
        elif key in alias_of:
            given.setdefault(alias_of[key], value)
        else:
            unknown.append(key)
    for group in mutually_exclusive:
        both = [k for k in group if given.get(k) is not None]
        if len(both) > 1:
            raise ModuleFailed("parameters are mutually exclusive: %s" % "|".join(group))
    missing = sorted(k for k, s in spec.items() if s.get("required") and k not in given)
    if missing:
        raise ModuleFailed("missing required arguments: %s" % ", ".join(missing))
    out = {}
    for name, s in spec.items():
        value = given.get(name, s.get("default"))
        if value is not None:
            value = _convert(name, value, s.get("type", "str"), s.get("elements"))
        out[name] = value
    for name, s in spec.items():
        choices = s.get("choices")
        if choices is not None and name in given and out[name] is not None and out[name] not in choices:
            raise ModuleFailed("value of %s must be one of: %s, got: %s" % (name, ", ".join(str(c) for c in choices), out[name]))
    if unknown:
        supported = ", ".join(sorted(spec))
        names = sorted(alias_of)
        if names:
            supported += " (%s)" % ", ".join(names)
        raise ModuleFailed("Unsupported parameters for (%s) module: %s. Supported parameters include: %s." % (module_name, ", ".join(sorted(unknown)), supported))
    return out


def _to_str(value):
    if isinstance(value, str):
        return value
    return str(value)


def _convert(name, value, kind, elements=None):
    if kind == "bool":
        return to_bool(value, name)
    if kind == "int":
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise _type_error(name, value, "int", "%s cannot be converted to an int" % type(value))
    if kind == "str":
        return _to_str(value)
    if kind == "path":
        return os.path.expanduser(os.path.expandvars(_to_str(value)))
    if kind == "list":
        if isinstance(value, str):
            value = value.split(",")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [str(value)]
        elif not isinstance(value, list):
            raise _type_error(name, value, "list", "%s cannot be converted to a list" % type(value))
        if elements == "str":
            value = [_to_str(v) for v in value]
        return value
    return value
