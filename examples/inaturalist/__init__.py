"""The iNaturalist walkthrough: upload raw images, split them, train classifier variants, infer.

Each step is a command: ``python -m examples.inaturalist upload|split|train|infer|all``. The ML
code (data export, backbone, feature cache, training, prediction) lives in modules that do not
import heron; the ``steps`` module wires them to heron runs, tables and artifacts.
"""
