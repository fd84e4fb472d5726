"""The registry of credential providers: one module each, listed once here."""

from . import (azure_artifacts, codeartifact, command, env, gitlab_ci, google_artifact_registry, keyring,
               kept, uv_config)

PROVIDERS = {module.NAME: module for module in (command, env, uv_config, keyring, codeartifact,
                                                google_artifact_registry, azure_artifacts, gitlab_ci, kept)}

# Tried in this order for an index no `[[credential]]` entry covers: credentials the user
# already gives uv first, then the registries recognised by their URLs.
DISCOVERY = [uv_config, codeartifact, google_artifact_registry, azure_artifacts, gitlab_ci,
             kept]  # kept last: a fresh credential always wins

