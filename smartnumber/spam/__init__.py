"""Spam protection (SPEC 7): detectors run on every text an agent starts, over history.

Each detector is a pure function in its own module; history.py says what they read and
config.py holds every threshold. What happens when one fires (suspension, email to the
admins) is not here.
"""
