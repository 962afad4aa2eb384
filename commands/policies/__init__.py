"""Policies: ``when_<event>_<reaction>``, each turning events into commands."""
