"""The ftl gate: a long-lived process on a host that runs modules on request.

Standard library only, Python 3.8 or newer.
"""
