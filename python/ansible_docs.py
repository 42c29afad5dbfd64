"""Reads module documentation the way ansible-doc does, for ftl's controller.

Input (stdin): JSON list of [fqcn, path]. Output (stdout): one JSON object per line,
{"fqcn", "doc", "examples"} or {"fqcn", "error"}. Runs with the controller's Python,
where Ansible is installed; never on hosts.
"""
import json
import sys
import warnings


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
            out = {"fqcn": fqcn, "doc": doc, "examples": examples or ""}
        except Exception as e:  # one bad module must not hide the others
            out = {"fqcn": fqcn, "error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(out, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
