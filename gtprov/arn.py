"""Amazon Resource Names, split into their six parts and joined back.

Pure: no AWS calls. The format is
``arn:partition:service:region:account-id:resource``; the resource part may
itself contain ``:`` and ``/`` (``function:name:alias``, ``role/path/name``).
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
"""

from __future__ import annotations

from dataclasses import dataclass

_PARTS = 6


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn:
        """Split ``text``; raise ValueError when it is not an ARN at all.

        Only the shape is checked here (prefix, part count, non-empty
        partition, service and resource); what each service allows is the
        business of ``gtprov.validate``.
        """
        parts = text.split(":", _PARTS - 1)
        if len(parts) != _PARTS or parts[0] != "arn":
            raise ValueError(f"not an ARN: {text!r}")
        _, partition, service, region, account, resource = parts
        if not (partition and service and resource):
            raise ValueError(f"ARN lacks partition, service or resource: {text!r}")
        return cls(partition, service, region, account, resource)

    def __str__(self) -> str:
        parts = (self.partition, self.service, self.region, self.account)
        return ":".join(("arn", *parts, self.resource))
