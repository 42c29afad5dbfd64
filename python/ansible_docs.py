"""Reads module documentation the way ansible-doc does, for ftl's controller.

Input (stdin): JSON list of [fqcn, path]. Output (stdout): one JSON object per line,
{"fqcn", "doc", "examples"} or {"fqcn", "error"}. Runs with the controller's Python,
where Ansible is installed; never on hosts.
"""
import ast
import json
import sys
import warnings


def _no_log_of(node):
    """The no_log=... of an option spec written as dict(...) or {...}: True/False, or None when unset or not a constant."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
        for kw in node.keywords:
            if kw.arg == "no_log" and isinstance(kw.value, ast.Constant):
                return bool(kw.value.value)
    if isinstance(node, ast.Dict):
        for k, v in zip(node.keys, node.values):
            if isinstance(k, ast.Constant) and k.value == "no_log" and isinstance(v, ast.Constant):
                return bool(v.value)
    return None


def argspec_no_log(path):
    """Options whose argument_spec sets no_log, by name: DOCUMENTATION often leaves it out
    (user's password), and Ansible masks by the argument_spec."""
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return {}
    found = {}
    for node in ast.walk(tree):
        pairs = []
        if isinstance(node, ast.keyword) and node.arg:
            pairs.append((node.arg, node.value))
        elif isinstance(node, ast.Dict):
            pairs.extend((k.value, v) for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and isinstance(k.value, str))
        for name, value in pairs:
            flag = _no_log_of(value)
            if flag is not None:
                found[name] = found.get(name, False) or flag
    return found


def main():
    warnings.simplefilter("ignore")
    from ansible.plugins.loader import fragment_loader
    from ansible.utils.plugin_docs import get_docstring

    items = json.load(sys.stdin)
    for fqcn, path in items:
        collection = ".".join(fqcn.split(".")[:2]) if fqcn.count(".") >= 2 else "ansible.builtin"
        try:
            doc, examples, _returns, _meta = get_docstring(path, fragment_loader, verbose=False, collection_name=collection, is_module=True)
            if not doc:
                raise ValueError("no DOCUMENTATION string")
            out = {"fqcn": fqcn, "doc": doc, "examples": examples or "", "no_log": argspec_no_log(path)}
        except Exception as e:  # one bad module must not hide the others
            out = {"fqcn": fqcn, "error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(out, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
