"""bposim: an agent-based model of the business process outsourcing market, on Mesa."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bposim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
