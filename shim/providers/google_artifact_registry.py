"""`google-artifact-registry`: OAuth access tokens from the gcloud CLI the user already has.

Index URLs `https://LOCATION-python.pkg.dev/PROJECT/REPO/simple/` are recognised with no
configuration. The token is the one `gcloud auth print-access-token` prints, asked for with
`gcloud config config-helper --format=json(credential)`, which also tells its expiry; with
GOOGLE_APPLICATION_CREDENTIALS set, or when gcloud has no logged-in account, it comes from
`gcloud auth application-default print-access-token` (whose JSON has the expiry too).
Username `oauth2accesstoken`. Tokens (about an hour) are cached for their life; gcloud is
run only on a cache miss.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

from .base import Credential, ProviderError, https_only, url_prefix
from .base import refresh as refresh_cached

NAME = "google-artifact-registry"
KEYS = {
    "account": (str, "gcloud account to use (default: gcloud's active account)"),
    "application-default": (bool, "use Application Default Credentials (default: only with "
                                  "GOOGLE_APPLICATION_CREDENTIALS or when gcloud has no account)"),
    "timeout": (int, "seconds gcloud may take (default 60)"),
}
REQUIRED = ()
HINTS = ("-python.pkg.dev",)
USERNAME = "oauth2accesstoken"
INSTALL_FIX = "install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install), then `gcloud auth login`"

_HOST = r"^(?P<location>[a-z]+(?:-[a-z]+\d+)?)-python\.pkg\.dev$"
_PATH = r"^/(?P<project>[a-z][a-z0-9-]{0,29})/(?P<repository>[a-z][a-z0-9-]{0,62})/simple(?:/|$)"


def parse_url(url: str):
    """{"location", "project", "repository"} for an Artifact Registry Python URL, else None."""
    if "-python.pkg.dev" not in url.lower():
        return None
    from .. import urls

    parsed = urls.parse(url)  # lower-case host, valid port, `.`/`..` resolved as uv does
    if parsed is None or not parsed.host.endswith("-python.pkg.dev"):
        return None
    import re

    host, path = parsed.host, parsed.path
    host_match = re.match(_HOST, host)
    path_match = re.match(_PATH, path) if host_match else None
    if not path_match:
        return None
    return {"location": host_match["location"], **path_match.groupdict()}


def discover(url, context):
    found = parse_url(url)
    return {"provider": NAME, **found} if found else None


def scope(url, settings):
    """`https://LOCATION-python.pkg.dev/PROJECT/REPO/`: the repository the token is used for."""
    parts = urlsplit(url)
    found = parse_url(url)
    if not found:
        return url_prefix(parts.scheme, parts.hostname or "", parts.port, parts.path.rsplit("/", 1)[0])
    return url_prefix(parts.scheme, parts.hostname, parts.port, f"{found['project']}/{found['repository']}")


def describe(settings) -> str:
    where = "/".join(settings[k] for k in ("project", "repository") if settings.get(k))
    how = "application-default credentials" if settings.get("application-default") else "your gcloud login"
    account = f" ({settings['account']})" if settings.get("account") else ""
    return f"google-artifact-registry {where or 'repository'} via {how}{account}"


def cache_key(url, settings) -> dict:
    https_only(url, "a Google access token", "use the https:// URL of the repository")
    # The token belongs to the identity, not the repository: one entry serves them all.
    return {"provider": NAME, "account": settings.get("account", ""),
            "application-default": bool(settings.get("application-default")),
            "adc-file": os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", ""),
            "gcloud-config": os.environ.get("CLOUDSDK_CONFIG", "")}


def fetch(url, settings) -> Credential:
    """A new token from gcloud (base.obtain caches it: this module opts in with cache_key)."""
    return _from_gcloud(cache_key(url, settings), settings.get("timeout", 60))


def refresh(url, settings) -> Credential:
    return refresh_cached(sys.modules[__name__], url, settings)


def rejected_fix(settings) -> str:
    project, repository = settings.get("project", "PROJECT"), settings.get("repository", "REPO")
    location = settings.get("location", "LOCATION")
    return (f"HTTP 403: your Google identity needs the Artifact Registry Reader role on {project}/{repository}: "
            f"`gcloud artifacts repositories add-iam-policy-binding {repository} --project={project} "
            f"--location={location} --member=user:YOU@EXAMPLE.COM --role=roles/artifactregistry.reader` "
            "(run by an admin); HTTP 401: `gcloud auth login`")


def _json(result, argv):
    import json

    try:
        return json.loads(result.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProviderError(f"`{' '.join(argv)}` printed something that is not JSON",
                            fix="update the Google Cloud CLI (`gcloud components update`)") from None


def _user_token(key, timeout):
    """(Credential or None, gcloud's error text)."""
    from .process import parse_time, run_cli

    argv = ["gcloud", "config", "config-helper", "--format=json(credential)", "--quiet"]
    if key["account"]:
        argv.append(f"--account={key['account']}")
    result = run_cli(argv, timeout, "the Google Cloud CLI (gcloud)", INSTALL_FIX)
    if result.status != 0:
        return None, result.error_text()
    credential = _json(result, argv).get("credential") or {}
    token = credential.get("access_token")
    if not isinstance(token, str) or not token:
        return None, "gcloud printed no access token"
    return Credential(USERNAME, token, parse_time(credential.get("token_expiry"))), ""


def _adc_token(timeout):
    from .process import parse_time, run_cli

    # Only the two fields: the full JSON would carry the refresh token.
    argv = ["gcloud", "auth", "application-default", "print-access-token",
            "--format=json(token,expiry.datetime)", "--quiet"]
    result = run_cli(argv, timeout, "the Google Cloud CLI (gcloud)", INSTALL_FIX)
    if result.status != 0:
        return None, result.error_text()
    data = _json(result, argv)
    token = data.get("token")
    if not isinstance(token, str) or not token:
        return None, "gcloud printed no access token"
    expiry = data.get("expiry")
    expiry = expiry.get("datetime") if isinstance(expiry, dict) else expiry
    return Credential(USERNAME, token, parse_time(expiry)), ""


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no message"


def _from_gcloud(key, timeout) -> Credential:
    if key["application-default"] or key["adc-file"]:
        credential, error = _adc_token(timeout)
        if credential:
            return credential
        raise ProviderError(f"gcloud could not get an application-default token ({_first_line(error)})",
                            fix="check GOOGLE_APPLICATION_CREDENTIALS, or `gcloud auth application-default login`")
    credential, error = _user_token(key, timeout)
    if credential:
        return credential
    if not key["account"]:
        credential, adc_error = _adc_token(timeout)  # no user login: the application-default variant
        if credential:
            return credential
    who = f"account {key['account']}" if key["account"] else "your gcloud login"
    raise ProviderError(f"gcloud could not give a token for {who} ({_first_line(error)})",
                        fix="gcloud auth login" + (f" {key['account']}" if key["account"] else ""))
