"""`azure-artifacts`: Azure Artifacts feeds, from the Azure CLI or an Azure Pipelines job.

Index URLs recognised with no configuration:
  https://pkgs.dev.azure.com/ORG/[PROJECT/]_packaging/FEED/pypi/simple/
  https://ORG.pkgs.visualstudio.com/[PROJECT/]_packaging/FEED/pypi/simple/
In a pipeline, the credential of the feed in VSS_NUGET_EXTERNAL_FEED_ENDPOINTS (the JSON the
Azure Artifacts credential provider reads) is used as is. Elsewhere the token comes from
`az account get-access-token --resource 499b84ac-1321-427f-aa17-267ca6975798` (Azure DevOps),
with its expiry, and is cached for its life; az runs only on a cache miss.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

from .base import Credential, ProviderError, https_only, url_prefix
from .base import refresh as refresh_cached

NAME = "azure-artifacts"
KEYS = {
    "tenant": (str, "Microsoft Entra tenant to get the token from (az --tenant)"),
    "timeout": (int, "seconds az may take (default 60)"),
}
REQUIRED = ()
HINTS = ("pkgs.dev.azure.com", ".pkgs.visualstudio.com")
AZURE_DEVOPS = "499b84ac-1321-427f-aa17-267ca6975798"  # the Azure DevOps resource id
USERNAME = "az"  # Azure Artifacts takes any non-empty user name with a token
PIPELINE_VARIABLE = "VSS_NUGET_EXTERNAL_FEED_ENDPOINTS"
INSTALL_FIX = ("install the Azure CLI (https://aka.ms/azure-cli) and run `az login`; in a pipeline, "
               f"set {PIPELINE_VARIABLE} (e.g. with the PipAuthenticate or NuGetAuthenticate task)")


def parse_url(url: str, protocol: str = "pypi"):
    """{"organization", "project" (or ""), "feed", "scope"} for an Azure Artifacts URL of the feed's
    `protocol` upstream (None: any, as in the pipeline's endpoint list), else None."""
    lowered = url.lower()
    if "pkgs.dev.azure.com" not in lowered and ".pkgs.visualstudio.com" not in lowered:
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    segments = parts.path.split("/")[1:]
    if host == "pkgs.dev.azure.com":
        head = 1  # /ORG/[PROJECT/]_packaging/...
        organization = segments[0] if segments else ""
    elif host.endswith(".pkgs.visualstudio.com") and host.count(".") == 3:
        head = 0  # ORG.pkgs.visualstudio.com/[PROJECT/]_packaging/...
        organization = host.split(".", 1)[0]
    else:
        return None
    try:
        at = segments.index("_packaging", head)
    except ValueError:
        return None
    project = segments[head:at]
    if len(project) > 1 or at + 2 >= len(segments) or not organization.replace("-", "").isalnum():
        return None
    feed = segments[at + 1]
    if not feed or (protocol and segments[at + 2].lower() != protocol):
        return None
    prefix = "/".join(segments[: at + 2])
    return {"organization": organization, "project": project[0] if project else "", "feed": feed,
            "scope": url_prefix(parts.scheme, host, port, prefix)}


def discover(url, context):
    found = parse_url(url)
    if not found:
        return None
    found.pop("scope")
    return {"provider": NAME, **found}


def scope(url, settings):
    """`https://pkgs.dev.azure.com/ORG/[PROJECT/]_packaging/FEED/`: the feed."""
    found = parse_url(url)
    if found:
        return found["scope"]
    parts = urlsplit(url)
    return url_prefix(parts.scheme, parts.hostname or "", parts.port, parts.path.rsplit("/", 1)[0])


def describe(settings) -> str:
    feed = settings.get("feed")
    where = f"{settings.get('organization')}/{feed}" if feed else "feed"
    return f"azure-artifacts {where} via {PIPELINE_VARIABLE} or the Azure CLI"


def _pipeline_credential(url):
    """The credential VSS_NUGET_EXTERNAL_FEED_ENDPOINTS holds for this feed, or None."""
    text = os.environ.get(PIPELINE_VARIABLE, "")
    if not text.strip():
        return None
    import json

    try:
        endpoints = json.loads(text).get("endpointCredentials")
    except (ValueError, AttributeError):
        raise ProviderError(f"{PIPELINE_VARIABLE} is not valid JSON",
                            fix='it must be {"endpointCredentials": [{"endpoint": URL, "username": …, "password": …}]}'
                            ) from None
    wanted = scope(url, {})
    for entry in endpoints if isinstance(endpoints, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("endpoint"), str):
            continue
        found = parse_url(entry["endpoint"], protocol=None)  # any endpoint of the same feed
        if found and found["scope"].lower() == wanted.lower():
            password = entry.get("password")
            if isinstance(password, str) and password:
                return Credential(entry.get("username") or USERNAME, password)
    return None


def cache_key(url, settings):
    https_only(url, "an Azure DevOps token", "use the https:// URL of the feed")
    if _pipeline_credential(url):
        return None  # the pipeline's own; its life is the job's, never cached
    # An Azure DevOps token serves every organization and feed the identity may read.
    return {"provider": NAME, "tenant": settings.get("tenant", ""),
            "az-config": os.environ.get("AZURE_CONFIG_DIR", "")}


def fetch(url, settings) -> Credential:
    """The pipeline's credential, else a new token from az (base.obtain caches that one)."""
    key = cache_key(url, settings)
    return _pipeline_credential(url) if key is None else _from_az(key, settings.get("timeout", 60))


def refresh(url, settings) -> Credential:
    return refresh_cached(sys.modules[__name__], url, settings)


def rejected_fix(settings) -> str:
    feed = settings.get("feed", "the feed")
    return (f"your identity needs the Feed Reader role on {feed} (feed settings > Permissions); "
            "or `az login` as an account that has it")


def _expiry(data):
    from .process import parse_time

    if data.get("expires_on") not in (None, ""):  # epoch seconds (az 2.54 and later)
        return parse_time(str(data["expires_on"]))
    # Older az: "2024-01-01 12:00:00.000000" in local time.
    return parse_time(data.get("expiresOn"), naive_is_utc=False)


def _from_az(key, timeout) -> Credential:
    import json

    from .process import run_cli

    argv = ["az", "account", "get-access-token", "--resource", AZURE_DEVOPS, "--output", "json",
            "--only-show-errors"]
    if key["tenant"]:
        argv += ["--tenant", key["tenant"]]
    result = run_cli(argv, timeout, "the Azure CLI (az)", INSTALL_FIX)
    login = "az login" + (f" --tenant {key['tenant']}" if key["tenant"] else "")
    if result.status != 0:
        lines = [line for line in result.error_text().splitlines() if line.strip()]
        raise ProviderError(f"az could not give an Azure DevOps token ({lines[0] if lines else 'no message'})",
                            fix=login)
    try:
        data = json.loads(result.stdout.decode("utf-8"))
        token = data["accessToken"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise ProviderError("`az account get-access-token` printed no accessToken",
                            fix="update the Azure CLI (`az upgrade`), then " + login) from None
    if not isinstance(token, str) or not token:
        raise ProviderError("`az account get-access-token` printed an empty token", fix=login)
    return Credential(USERNAME, token, _expiry(data))
