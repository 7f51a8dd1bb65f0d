"""Asia-Pacific alliance wargame: a Mesa agent-based simulation of deterrence.

The package is layered (imports point downward only): ``cli`` over ``batch`` and
``model``, over ``engine``, over ``dynamics``, over ``scenario`` and ``rng``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("apwargame")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
