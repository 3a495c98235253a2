"""IAM and KMS policy documents gtprov generates, and semantic policy equality.

Pure: no AWS calls, no boto3. ``document`` holds the primitives (build,
print, measure, compare, split); one module per document kind builds it:
``trust``, ``execution``, ``kms``, ``console``, ``workforce_admin``,
``provisioner``. docs/policies.md explains every statement.
"""
