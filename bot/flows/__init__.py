"""Guided flows: the model, the YAML loader and export, the JSON Schema, the validator, the runner helpers,
library search and the bundled sample flows (``samples/``). Standard library and PyYAML only."""
