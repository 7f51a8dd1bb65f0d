"""Asia-Pacific alliance wargame: a Mesa agent-based simulation of deterrence.

The package is layered (imports point downward only): ``cli`` over ``batch`` and
``model``, over ``engine`` (the ordered tuple of declared steps), over the wiring
modules that declare them (``conflict``, ``diplomacy``), over ``step`` and
``world``, over ``scenario``, ``dynamics`` and ``rng``. ``tests/test_imports.py``
checks that no import, even a type-only one, closes a cycle.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("apwargame")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
