"""`gitlab-ci`: the job token of a GitLab CI job for the GitLab package registry it runs on.

Only inside a GitLab CI job (GITLAB_CI=true and CI_JOB_TOKEN set) and only for the GitLab
instance running the job (the index is under CI_API_V4_URL, else CI_SERVER_URL + /api/v4):
  …/api/v4/projects/ID/packages/pypi/simple/
  …/api/v4/groups/ID/-/packages/pypi/simple/
get `gitlab-ci-token` / $CI_JOB_TOKEN. Outside CI nothing is guessed (use the `env` provider).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from .base import Credential, ProviderError, url_prefix

NAME = "gitlab-ci"
KEYS = {}
EXPLICIT = False  # only discovered, inside a job
REQUIRED = ()
HINTS = ("/packages/pypi",)
USERNAME = "gitlab-ci-token"


def _origin_and_path(url: str):
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return (parts.scheme.lower(), parts.hostname.lower(), port), parts.path


def api_root(environ):
    """(origin, path) of this job's GitLab API (`/api/v4`), or None outside a GitLab CI job."""
    if environ.get("GITLAB_CI") != "true" or not environ.get("CI_JOB_TOKEN"):
        return None
    api = environ.get("CI_API_V4_URL") or (environ.get("CI_SERVER_URL", "").rstrip("/") + "/api/v4")
    return _origin_and_path(api)


def parse_url(url: str, environ):
    """{"kind": "projects"|"groups", "id", "scope"} for a package registry URL of this job's
    GitLab, else None."""
    if "/packages/pypi" not in url:
        return None
    root = api_root(environ)
    found = _origin_and_path(url)
    if root is None or found is None or found[0] != root[0]:
        return None
    api_path = root[1].rstrip("/") + "/"
    path = found[1]
    if not path.startswith(api_path):
        return None
    segments = path[len(api_path):].split("/")
    # projects/ID/packages/pypi/…  or  groups/ID/-/packages/pypi/…
    if len(segments) >= 4 and segments[0] == "projects" and segments[2:4] == ["packages", "pypi"]:
        tail = 4
    elif len(segments) >= 5 and segments[0] == "groups" and segments[2:5] == ["-", "packages", "pypi"]:
        tail = 5
    else:
        return None
    if not segments[1]:
        return None
    scheme, host, port = found[0]
    prefix = api_path + "/".join(segments[:tail])
    return {"kind": segments[0], "id": segments[1], "scope": url_prefix(scheme, host, port, prefix)}


def discover(url, context):
    found = parse_url(url, context.environ)
    if not found:
        return None
    return {"provider": NAME, "kind": found["kind"], "id": found["id"]}


def scope(url, settings):
    """`…/api/v4/projects/ID/packages/pypi/` (or the group's): the registry the job reads."""
    parts = urlsplit(url)
    kind, ident = settings.get("kind"), settings.get("id")
    marker = f"/projects/{ident}/packages/pypi/" if kind == "projects" else f"/groups/{ident}/-/packages/pypi/"
    at = parts.path.find(marker) if ident else -1
    path = parts.path[: at + len(marker)] if at >= 0 else parts.path.rsplit("/", 1)[0]
    return url_prefix(parts.scheme, parts.hostname or "", parts.port, path)


def describe(settings) -> str:
    what = "project" if settings.get("kind") == "projects" else "group"
    return f"gitlab-ci job token for {what} {settings.get('id', '?')}"


def fetch(url, settings) -> Credential:
    token = os.environ.get("CI_JOB_TOKEN")
    if not token:
        raise ProviderError("CI_JOB_TOKEN is not set (the GitLab CI job token)",
                            fix="run inside the GitLab CI job, or use an `env` [[credential]] with a token")
    return Credential(USERNAME, token)


def rejected_fix(settings) -> str:
    what = "project" if settings.get("kind") == "projects" else "group"
    return (f"allow this job's project to read the {what} {settings.get('id', '?')} package registry: in that "
            "project, Settings > CI/CD > Job token permissions > add this project to the allowlist")
