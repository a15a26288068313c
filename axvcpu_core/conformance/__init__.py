"""The axvcpu conformance suite: contract and scenario tests any arch plugin runs against itself.

Run it with `axvcpu conformance --arch NAME [pytest args]` or
`pytest --pyargs axvcpu_core.conformance --axvcpu-arch NAME`. It is a pytest plugin (entry point
`pytest11`), inert unless `--axvcpu-arch` is given. Plugins supply their scenario guests through the
hook `axvcpu_conformance_guests` (see `axvcpu_core.conformance_kit`).
"""
