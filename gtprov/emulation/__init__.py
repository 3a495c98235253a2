"""Local emulation of the AWS services gtprov uses, for tests, demos and benchmarks.

- ``workforce``: the project's own fake of SageMaker's private workforce and
  work-team API, which moto lacks. Pure; no moto.
- ``server``: one WSGI endpoint with that fake beside moto's server, a call
  log, fault injection and ``/_gtprov/`` control endpoints.
- ``control``: a stdlib client for those control endpoints.

Only ``server`` and ``moto_bridge`` need the optional extra
(``pip install 'gtprov[sandbox]'``); importing this package does not.
"""
