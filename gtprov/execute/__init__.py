"""Execution: the only code in gtprov that writes to AWS."""
