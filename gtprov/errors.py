"""The one exception tree of gtprov.

Only the CLI entry point turns these into text and an exit code. Every error
carries what failed, on which resource, and what to do next (``hint``).
"""

from __future__ import annotations

from gtprov.exitcodes import ExitCode


class GtprovError(Exception):
    """Base of every error gtprov raises on purpose."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"type": type(self).__name__}
        data["message"] = self.message
        if self.hint:
            data["hint"] = self.hint
        return data


class InputError(GtprovError):
    """Bad input, found before any AWS call. Exit 2, nothing written.

    ``field`` is the option (``--bucket``), file key (``roles[0].name``) or
    argument the user gave; ``rule`` says what that value must be.
    """

    exit_code = ExitCode.USAGE

    def __init__(self, field: str, rule: str, *, value: object = None) -> None:
        shown = "" if value is None else f" (got {value!r})"
        super().__init__(f"{field}: {rule}{shown}")
        self.field = field
        self.rule = rule

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data["field"] = self.field
        return data


class PolicySizeError(GtprovError):
    """A generated policy does not fit an IAM size quota."""

    def __init__(self, what: str, size: int, limit: int, quota: str) -> None:
        super().__init__(
            f"{what} is {size} characters (whitespace not counted); IAM's "
            f"{quota} quota is {limit}",
            hint="Give fewer or shorter resources, or raise the quota in "
            "Service Quotas where it is adjustable.",
        )
        self.size = size
        self.limit = limit


class AwsCallError(GtprovError):
    """An AWS call failed after botocore's retries."""

    def __init__(
        self,
        operation: str,
        code: str,
        aws_message: str,
        *,
        resource: str | None = None,
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = f" on {resource}" if resource else ""
        super().__init__(f"{operation}{where} failed: {code}: {aws_message}", hint=hint)
        self.operation = operation
        self.code = code
        self.aws_message = aws_message
        self.resource = resource
        self.request_id = request_id

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data.update(operation=self.operation, code=self.code)
        if self.resource:
            data["resource"] = self.resource
        if self.request_id:
            data["request_id"] = self.request_id
        return data


class AccessDeniedError(AwsCallError):
    """The caller lacks an IAM permission; the hint names the action."""


class GroundTruthUnavailableError(AwsCallError):
    """SageMaker refused the Ground Truth workforce API for this account."""


class OwnershipError(GtprovError):
    """A resource exists that gtprov did not create; it will not touch it."""


class ConflictError(GtprovError):
    """The account holds something that contradicts the request."""


class NotFoundError(GtprovError):
    """A resource the request names does not exist."""


class StepFailedError(GtprovError):
    """A write step of an executing plan failed; wraps the cause."""

    def __init__(self, step: str, cause: GtprovError) -> None:
        super().__init__(f"{step}: {cause.message}", hint=cause.hint)
        self.step = step
        self.cause = cause

    def to_dict(self) -> dict[str, object]:
        data = self.cause.to_dict()
        data["step"] = self.step
        data["message"] = self.message
        return data
