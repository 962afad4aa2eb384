"""Tamper evidence: the hash chain every stream carries."""
