"""The shipped Asterisk templates admins start from (copy them to change them)."""
