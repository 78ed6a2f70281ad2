"""Everything that knows Asterisk: its names, dial strings, the AMI, the FastAGI server
and handlers, the dialplan and its templates, the private instance, the CDR.

The domain packages (directory/, calls/, texting/) never reach in here: they speak of
Rings and texts, and the service and application layers hand those to Asterisk. The one
thing they may ask of this package is below: which PJSIP section names are taken.
"""

from .names import SECTIONS as RESERVED_SECTIONS

__all__ = ["RESERVED_SECTIONS"]
