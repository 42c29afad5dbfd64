"""Jinja's compilation of a template string, done once per source and settings.

Ansible makes a new Templar (and Jinja environment) for every host of every task, so the
same template text is parsed and compiled again for each host: on a call on many hosts that
is most of the rendering time (~13 ms a host for a small config file, measured on this
project's bench). Jinja's compiled code depends only on the source and on the settings the
lexer, parser and code generator read (delimiters, whitespace options, newline sequence,
extensions, optimizer, finalize, autoescape, policies, environment class); everything else
(variables, filters, globals such as lookup(), the finalize and undefined functions) is
looked up when it runs, through the environment the template is bound to. So the code
object is kept under exactly those inputs, and each environment binds it as from_string
would. Output is unchanged: the parity suite renders every case on two hosts, the second
from the cache. FTL_WORKER_COMPILE_CACHE=0 turns it off.
"""
import collections
import os
import threading

_MAX = 4096
_cache = collections.OrderedDict()
_lock = threading.Lock()
_installed = False


def _settings(env):
    finalize = env.finalize
    return (
        type(env),
        env.code_generator_class,
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        tuple(sorted(env.extensions)),
        env.optimized,
        env.is_async,
        None if finalize is None else getattr(finalize, "jinja_pass_arg", type(finalize)),
        env.autoescape if not callable(env.autoescape) else id(env.autoescape),
        repr(sorted(env.policies.items())),
    )


def install():
    global _installed
    if _installed or os.environ.get("FTL_WORKER_COMPILE_CACHE") == "0":
        return
    from jinja2 import Environment

    original = Environment.compile

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if raw or defer_init or name is not None or filename is not None or not isinstance(source, str):
            return original(self, source, name, filename, raw, defer_init)
        key = (source, _settings(self))
        with _lock:
            code = _cache.get(key)
            if code is not None:
                _cache.move_to_end(key)
                return code
        code = original(self, source)
        with _lock:
            _cache[key] = code
            if len(_cache) > _MAX:
                _cache.popitem(last=False)
        return code

    Environment.compile = compile
    _installed = True
