"""EXAMPLE axvcpu arch plugin `arm32`: a made-up minimal virtualization model on Unicorn's 32-bit Arm.

It is not a model of the Arm virtualization extensions. It shows, as small as possible, every part
an arch plugin has: register model, per-CPU class, trap record, pure decoder, hardware model,
demo guest and conformance guests. Start reading at `plugin.py`.
"""

from __future__ import annotations

__version__ = "0.1.0"
