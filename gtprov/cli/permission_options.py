"""The permission options `gtprov policy execution` and
`create-execution-role` share: one declaration, one help text."""

from __future__ import annotations

from typing import Annotated

import typer

Buckets = Annotated[
    list[str] | None,
    typer.Option("--bucket", help="A whole bucket, read and written."),
]
InputUris = Annotated[
    list[str] | None,
    typer.Option("--input-uri", help="s3://bucket/prefix to read."),
]
OutputUris = Annotated[
    list[str] | None,
    typer.Option("--output-uri", help="s3://bucket/prefix to read and write."),
]
Lambdas = Annotated[
    list[str] | None,
    typer.Option("--lambda", help="Pre/post-annotation function, name or ARN."),
]
AutomatedLabeling = Annotated[
    bool,
    typer.Option(
        "--automated-labeling", help="Let SageMaker pass this role to its own jobs."
    ),
]
InputTopics = Annotated[
    list[str] | None,
    typer.Option("--input-topic", help="Streaming: input SNS topic ARN."),
]
OutputTopics = Annotated[
    list[str] | None,
    typer.Option("--output-topic", help="Streaming: output SNS topic ARN."),
]
TaggedObjects = Annotated[
    bool,
    typer.Option(
        "--allow-tagged-objects",
        help="Streaming: read any object tagged SageMaker=true.",
    ),
]
