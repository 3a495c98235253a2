"""Command line: parsing and printing only. No boto3 import at module level."""
