"""The shipped Asterisk templates (installed as the package smartnumber.asterisk_conf)."""
