"""Which URLs each zero-configuration provider recognises, the prefix its token is issued
for, and look-alike hosts that must get nothing."""

import pytest

from shim.providers import DISCOVERY, azure_artifacts, gitlab_ci, google_artifact_registry
from shim.providers.base import Context

CI = {"GITLAB_CI": "true", "CI_JOB_TOKEN": "job-token", "CI_SERVER_URL": "https://gitlab.example.com"}


def covering(url, environ=None):
    """(provider name, scope) of the first discovering provider, as the shim plans it."""
    context = Context(environ=environ or {})
    for module in DISCOVERY:
        settings = module.discover(url, context)
        if settings:
            return module.NAME, module.scope(url, settings)
    return None


@pytest.mark.parametrize("url, scope", [
    ("https://us-python.pkg.dev/proj/repo/simple/", "https://us-python.pkg.dev/proj/repo/"),
    ("https://europe-west1-python.pkg.dev/my-project-123/py-repo/simple/demo/",
     "https://europe-west1-python.pkg.dev/my-project-123/py-repo/"),
    ("https://US-Python.pkg.dev:443/proj/repo/simple/", "https://us-python.pkg.dev/proj/repo/"),
])
def test_google_artifact_registry(url, scope):
    assert covering(url) == ("google-artifact-registry", scope)


@pytest.mark.parametrize("url", [
    "https://us-python.pkg.dev.evil.com/proj/repo/simple/",
    "https://evil.com/us-python.pkg.dev/proj/repo/simple/",
    "https://us-docker.pkg.dev/proj/repo/simple/",
    "https://us-python.pkg.dev/proj/simple/",  # no repository
    "https://us-python.pkg.dev@evil.com/proj/repo/simple/",
    "https://us-python-pkg.dev/proj/repo/simple/",
    "https://x.us-python.pkg.dev/proj/repo/simple/",
    "https://-python.pkg.dev/proj/repo/simple/",
])
def test_google_look_alikes(url):
    assert google_artifact_registry.parse_url(url) is None
    assert covering(url) is None


@pytest.mark.parametrize("url, scope", [
    ("https://pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/",
     "https://pkgs.dev.azure.com/org/_packaging/feed/"),
    ("https://pkgs.dev.azure.com/org/proj/_packaging/feed@Release/pypi/simple/",
     "https://pkgs.dev.azure.com/org/proj/_packaging/feed@Release/"),
    ("https://org.pkgs.visualstudio.com/_packaging/feed/pypi/simple/",
     "https://org.pkgs.visualstudio.com/_packaging/feed/"),
    ("https://org.pkgs.visualstudio.com/proj/_packaging/feed/pypi/simple/",
     "https://org.pkgs.visualstudio.com/proj/_packaging/feed/"),
])
def test_azure_artifacts(url, scope):
    assert covering(url) == ("azure-artifacts", scope)


@pytest.mark.parametrize("url", [
    "https://pkgs.dev.azure.com.evil.com/org/_packaging/feed/pypi/simple/",
    "https://evil.com/pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/",
    "https://a.org.pkgs.visualstudio.com/_packaging/feed/pypi/simple/",
    "https://org.pkgs.visualstudio.com.evil.com/_packaging/feed/pypi/simple/",
    "https://pkgs.dev.azure.com/org/_packaging/feed/npm/registry/",  # not the PyPI upstream
    "https://pkgs.dev.azure.com/org/a/b/_packaging/feed/pypi/simple/",
    "https://pkgs.dev.azure.com/_packaging/feed/pypi/simple/",
])
def test_azure_look_alikes(url):
    assert azure_artifacts.parse_url(url) is None
    assert covering(url) is None


@pytest.mark.parametrize("url, scope", [
    ("https://gitlab.example.com/api/v4/projects/42/packages/pypi/simple/",
     "https://gitlab.example.com/api/v4/projects/42/packages/pypi/"),
    ("https://gitlab.example.com/api/v4/projects/group%2Fproject/packages/pypi/simple",
     "https://gitlab.example.com/api/v4/projects/group%2Fproject/packages/pypi/"),
    ("https://gitlab.example.com:443/api/v4/groups/7/-/packages/pypi/simple/",
     "https://gitlab.example.com/api/v4/groups/7/-/packages/pypi/"),
])
def test_gitlab_inside_a_job(url, scope):
    assert covering(url, CI) == ("gitlab-ci", scope)


def test_gitlab_under_a_relative_url_root():
    environ = {**CI, "CI_API_V4_URL": "https://example.com/gitlab/api/v4"}
    url = "https://example.com/gitlab/api/v4/projects/1/packages/pypi/simple/"
    assert covering(url, environ) == ("gitlab-ci", "https://example.com/gitlab/api/v4/projects/1/packages/pypi/")
    assert covering("https://example.com/api/v4/projects/1/packages/pypi/simple/", environ) is None


@pytest.mark.parametrize("url, environ", [
    # outside a job nothing is guessed
    ("https://gitlab.example.com/api/v4/projects/42/packages/pypi/simple/", {}),
    ("https://gitlab.example.com/api/v4/projects/42/packages/pypi/simple/", {**CI, "GITLAB_CI": ""}),
    ("https://gitlab.example.com/api/v4/projects/42/packages/pypi/simple/", {**CI, "CI_JOB_TOKEN": ""}),
    # another host than the job's GitLab: the job token must not leave it
    ("https://gitlab.com/api/v4/projects/42/packages/pypi/simple/", CI),
    ("https://gitlab.example.com.evil.com/api/v4/projects/42/packages/pypi/simple/", CI),
    ("https://evil.com/gitlab.example.com/api/v4/projects/42/packages/pypi/simple/", CI),
    ("http://gitlab.example.com/api/v4/projects/42/packages/pypi/simple/", CI),  # other scheme
    ("https://gitlab.example.com:8443/api/v4/projects/42/packages/pypi/simple/", CI),  # other port
    ("https://gitlab.example.com/api/v4/projects/42/packages/npm/", CI),
    ("https://gitlab.example.com/x/api/v4/projects/42/packages/pypi/simple/", CI),
    ("https://gitlab.example.com/api/v4/groups/7/packages/pypi/simple/", CI),  # groups need /-/
])
def test_gitlab_guesses_nothing_else(url, environ):
    assert gitlab_ci.parse_url(url, environ) is None
    assert covering(url, environ) is None


def test_discovery_is_cheap_for_ordinary_urls(monkeypatch):
    """An ordinary index never reaches a regular expression."""
    import re

    def fail(*args, **kwargs):
        raise AssertionError("regex used")

    monkeypatch.setattr(re, "match", fail)
    monkeypatch.setattr(re, "compile", fail)
    assert covering("https://pypi.org/simple/", CI) is None
    assert covering("https://pkgs.example.com/api/v4/simple/", CI) is None
