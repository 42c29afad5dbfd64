"""Reads module documentation the way ansible-doc does, for ftl's controller.

Input (stdin): JSON list of [fqcn, path]. Output (stdout): one JSON object per line,
{"fqcn", "doc", "examples"} or {"fqcn", "error"}. Runs with the controller's Python,
where Ansible is installed; never on hosts.

Ansible's get_docstring reads a module file by tokenizing all of it, and (in
ansible-core 2.14, whose tokenizer pass never matches) then parsing all of it with
ast: most of the time for a big module goes on code after its docs. ftl parses only
the part of the file up to its doc variables, and the whole file when that part does
not parse on its own; what it extracts from the parse tree is what Ansible extracts.
FTL_DOCS_EXACT=1 uses Ansible's reader unchanged (the tests compare the two).
"""
import ast
import json
import os
import re
import sys
import warnings

_DOC_VAR = re.compile(rb"^(DOCUMENTATION|EXAMPLES|RETURN|ANSIBLE_METADATA)\s*=", re.M)
# A line that starts a new top-level statement: the doc variables end before it.
_STATEMENT = re.compile(rb"^(import |from |def |class |@|if |try:)", re.M)


def _doc_source(data):
    """The file up to the statement after its last doc variable, or all of it."""
    last = None
    for m in _DOC_VAR.finditer(data):
        last = m
    if last is None:
        return data
    nxt = _STATEMENT.search(data, last.end())
    return data if nxt is None else data[: nxt.start()]


def _read_python_file(filename, verbose=True, ignore_errors=True):
    """ansible.parsing.plugin_docs.read_docstring_from_python_file, on the doc part of the file."""
    from ansible.errors import AnsibleParserError
    from ansible.module_utils._text import to_native, to_text
    from ansible.parsing import plugin_docs as pd

    data = pd._init_doc_dict()
    try:
        with open(filename, "rb") as f:
            source = f.read()
        try:
            tree = ast.parse(_doc_source(source))
        except SyntaxError:
            tree = ast.parse(source)
        for child in tree.body:
            if not isinstance(child, ast.Assign):
                continue
            for t in child.targets:
                theid = getattr(t, "id", None)
                if theid not in pd.string_to_vars:
                    continue
                varkey = pd.string_to_vars[theid]
                if isinstance(child.value, ast.Dict):
                    data[varkey] = ast.literal_eval(child.value)
                elif theid == "EXAMPLES":
                    data[varkey] = to_text(child.value.s)
                else:
                    data[varkey] = pd.AnsibleLoader(child.value.s, file_name=filename).get_single_data()
    except Exception as e:
        msg = "Unable to parse documentation in python file '%s': %s" % (filename, to_native(e))
        if not ignore_errors:
            raise AnsibleParserError(msg, orig_exc=e)
    return data


_NO_LOG_AT = re.compile(r"""no_log['"]?\s*[:=]\s*(True|False)\b""")
_OPTION_OPENER = re.compile(r"""(?:\b(\w+)\s*=\s*dict|['"]([\w-]+)['"]\s*:\s*(?:dict)?)\s*$""")


def argspec_no_log(path):
    """Options whose argument_spec sets no_log, by name: DOCUMENTATION often leaves it out
    (user's password), and Ansible masks by the argument_spec.

    A text scan, not a parse: from each `no_log=True` (or `'no_log': True`) back to the
    bracket that opens its option spec, then the name before it (`name=dict(`, `'name': {`).
    Parsing every file with ast costs seconds over a few thousand modules; this agrees with
    the ast walk on all but one of Debian's 7,700 (a spec with brackets inside strings)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return {}
    found = {}
    at = text.find("no_log")
    while at != -1:
        m = _NO_LOG_AT.match(text, at)
        at = text.find("no_log", at + 6)
        if m is None:
            continue
        depth = 0
        i = m.start() - 1
        while i >= 0:
            c = text[i]
            if c in ")}]":
                depth += 1
            elif c in "({[":
                if depth == 0:
                    break
                depth -= 1
            i -= 1
        if i < 0 or text[i] == "[":
            continue
        o = _OPTION_OPENER.search(text, max(0, i - 200), i)
        if o:
            name = o.group(1) or o.group(2)
            found[name] = found.get(name, False) or m.group(1) == "True"
    return found


def main():
    warnings.simplefilter("ignore")
    from ansible.plugins.loader import fragment_loader
    from ansible.utils.plugin_docs import get_docstring

    if os.environ.get("FTL_DOCS_EXACT") != "1":
        from ansible.parsing import plugin_docs

        plugin_docs.read_docstring_from_python_module = _read_python_file

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
