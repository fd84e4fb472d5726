"""The registry of credential providers: one module each, listed once here."""

from . import codeartifact, command, env, kept, uv_config

PROVIDERS = {module.NAME: module for module in (command, env, uv_config, codeartifact, kept)}

# Tried in this order for an index no `[[credential]]` entry covers.
DISCOVERY = [uv_config, codeartifact, kept]  # kept last: a fresh credential wins
