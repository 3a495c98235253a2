"""gtprov: provision an AWS account for Amazon SageMaker Ground Truth."""

__version__ = "0.1.0"
