"""The pytest project model: configuration, conftest chains, fixtures and
plugins, collection, mirrored statically from pytest's own rules."""
