"""The only package that imports boto3/botocore. Thin, typed AWS clients."""
