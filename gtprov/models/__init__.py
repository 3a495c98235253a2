"""Desired resources as frozen dataclasses, named in AWS terms. Pure: no I/O."""
