"""smartnumber: a self-hosted Smart Number for the Asterisk PBX."""

__version__ = "0.1.0"
