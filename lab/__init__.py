"""Test harness: a private Asterisk from rendered config, AMI events, sipp parties."""
