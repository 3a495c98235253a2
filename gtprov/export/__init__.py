"""Exports of a gtprov.toml to other tools' formats. Pure: no AWS calls."""
