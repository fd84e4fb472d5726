"""`codeartifact`: AWS CodeArtifact tokens from boto3, cached across processes.

Index URLs are recognised with no configuration:
  https://DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com[.cn]/pypi/REPO/simple/
  https://DOMAIN-OWNER.codeartifact.REGION.on.aws/pypi/REPO/simple/        (dual-stack)
  https://vpce-ID-ID.d.codeartifact.REGION.vpce.amazonaws.com[.cn]/pypi/d/DOMAIN-OWNER/REPO/simple/
A token is per domain; none is minted for a plain http:// URL.
boto3 is imported only when the cache has no fresh token.
"""

from __future__ import annotations

import os
import re
import time
from urllib.parse import urlsplit

from ..errors import debug
from .base import Credential, ProviderError, https_only

NAME = "codeartifact"
KEYS = {
    "profile": (str, "AWS profile (default: AWS_PROFILE or the default chain)"),
    "role-arn": (str, "role to assume with STS before asking for the token"),
    "duration-seconds": (int, "token lifetime: 0 (the role session's) or 900..43200"),
    "domain": (str, "CodeArtifact domain, when the URL does not show it"),
    "domain-owner": (str, "12-digit AWS account that owns the domain"),
    "region": (str, "AWS region of the domain"),
}
REQUIRED = ()
# CodeArtifact answers an expired or unknown token with 404, not 401 (uv issue 11899).
REJECTED_STATUSES = (401, 403, 404)

HINTS = ("codeartifact",)

# Bounds on every AWS wait (a hanging or trickling endpoint must not hold a `uv run` for long):
# GetAuthorizationToken answers in well under a second, so 3 s to connect and 5 s per read are
# generous; three attempts in botocore's standard mode ride out a throttle or a dropped
# connection. botocore's timeouts are per socket operation, so a peer that trickles a byte
# every few seconds never trips them: the whole token request (STS included) runs against one
# deadline, after which the provider fails with a message (the tool command stops; a project
# command warns and runs uv without the token).
CONNECT_TIMEOUT = 3
READ_TIMEOUT = 5
MAX_ATTEMPTS = 3
FETCH_DEADLINE = 12.0

# (Strings: `re` compiles them only when a host looks like CodeArtifact at all.)
_REGION = r"(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
_DOMAIN_OWNER = r"(?P<domain>[a-z0-9][a-z0-9-]{0,49})-(?P<owner>\d{12})"
_HOST = rf"^{_DOMAIN_OWNER}\.d\.codeartifact\.{_REGION}\.amazonaws\.com(?:\.cn)?$"
_DUALSTACK_HOST = rf"^{_DOMAIN_OWNER}\.codeartifact\.{_REGION}\.on\.aws$"
# The documented VPC endpoint name: vpce-<endpoint id>-<8 characters>.d.codeartifact.REGION.vpce.amazonaws.com
_VPCE_HOST = rf"^vpce-[0-9a-f]{{8,17}}-[0-9a-z]{{8}}\.d\.codeartifact\.{_REGION}\.vpce\.amazonaws\.com(?:\.cn)?$"
_VPCE_PATH = rf"^/pypi/d/{_DOMAIN_OWNER}/"


def parse_url(url: str):
    """{"domain", "domain-owner", "region"} for a CodeArtifact URL, else None."""
    if "codeartifact." not in url.lower():
        return None
    from .. import urls

    parsed = urls.parse(url)  # lower-case host, valid port, `.`/`..` resolved as uv does
    if parsed is None:
        return None
    host = parsed.host
    if ".d.codeartifact." in host or host.endswith(".on.aws"):
        match = re.match(_HOST, host) or re.match(_DUALSTACK_HOST, host)
        if match:
            return {"domain": match["domain"], "domain-owner": match["owner"], "region": match["region"]}
    if host.startswith("vpce-"):
        match = re.match(_VPCE_HOST, host)
        path = re.match(_VPCE_PATH, parsed.path) if match else None
        if match and path:
            return {"domain": path["domain"], "domain-owner": path["owner"], "region": match["region"]}
    return None


def scope(url, settings):
    """The token is per domain: `https://DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com/` (the
    host, any repository), or on a VPC endpoint `https://vpce-…/pypi/d/DOMAIN-OWNER/`."""
    from .base import url_prefix

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = ""
    if host.startswith("vpce-"):
        match = re.match(_VPCE_PATH, parts.path)
        path = match.group(0) if match else parts.path.rsplit("/", 1)[0]
    return url_prefix(parts.scheme, host, parts.port, path)


def validate(settings):
    duration = settings.get("duration-seconds")
    if duration is not None and duration != 0 and not 900 <= duration <= 43200:
        return "duration-seconds", "`duration-seconds` must be 0 or between 900 and 43200"
    owner = settings.get("domain-owner")
    if owner is not None and not re.fullmatch(r"\d{12}", owner):
        return "domain-owner", "`domain-owner` must be the 12-digit AWS account id"
    return None


def discover(url, context):
    found = parse_url(url)
    return {"provider": NAME, **found} if found else None


def _target(url, settings) -> dict:
    target = dict(parse_url(url) or {})
    for key in ("domain", "domain-owner", "region"):
        if key in settings:
            target[key] = settings[key]
    missing = [k for k in ("domain", "domain-owner", "region") if not target.get(k)]
    if missing:
        raise ProviderError(f"cannot tell the CodeArtifact {', '.join(missing)} from this URL",
                            fix=f"set {', '.join(missing)} in its [[credential]] entry")
    return target


def _profile(settings):
    return settings.get("profile") or os.environ.get("AWS_PROFILE") or None


def cache_key(url, settings) -> dict:
    https_only(url, "a CodeArtifact token", "use the https:// index URL")
    target = _target(url, settings)
    return {"provider": NAME, **target, "profile": _profile(settings) or "",
            "role-arn": settings.get("role-arn", ""), "duration-seconds": settings.get("duration-seconds")}


def deadline(settings) -> float:
    return FETCH_DEADLINE


def describe(settings) -> str:
    where = f"{settings.get('domain', '?')}-{settings.get('domain-owner', '?')} in {settings.get('region', '?')}"
    profile = settings.get("profile")
    return f"codeartifact {where}" + (f" (profile {profile})" if profile else "")


def fetch(url, settings) -> Credential:
    """A new token from AWS (the cache is base.obtain's business: this module opts in with cache_key)."""
    return _from_aws(cache_key(url, settings))


def refresh(url, settings) -> Credential:
    """Drop the cached token and get a new one (after the index refused it)."""
    import sys

    from .base import refresh as refresh_cached

    return refresh_cached(sys.modules[__name__], url, settings)


def rejected_fix(settings) -> str:
    return ("the token was refreshed and still refused: check that your AWS identity may read this "
            "repository (codeartifact:ReadFromRepository), then `uv-shim credentials --clear`")


def _login_hint(profile) -> str:
    return f"aws sso login --profile {profile}" if profile else "aws sso login (or set AWS_PROFILE)"


def _from_aws(key) -> Credential:
    """_ask_aws under FETCH_DEADLINE: it runs in a daemon thread that is abandoned (and dies
    with the process, at the exec of uv) if AWS has not answered by then."""
    import threading

    outcome = []

    def ask():
        try:
            outcome.append(_ask_aws(key))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    worker = threading.Thread(target=ask, name="uv-shim-aws", daemon=True)
    worker.start()
    worker.join(FETCH_DEADLINE)
    if not outcome:
        raise ProviderError(
            f"AWS did not answer the token request for CodeArtifact domain {key['domain']} "
            f"({key['region']}) within {FETCH_DEADLINE:.0f}s",
            fix="check your network, proxy (HTTPS_PROXY) and AWS_ENDPOINT_URL_CODEARTIFACT")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _ask_aws(key) -> Credential:
    try:
        import boto3
        import botocore.exceptions as bx
        from botocore.config import Config
    except ImportError:
        raise ProviderError("boto3 is not installed in uv-shim's environment",
                            fix="re-run ./install.sh") from None
    profile = key["profile"] or None
    where = f"CodeArtifact domain {key['domain']} (owner {key['domain-owner']}, {key['region']})"
    try:
        session = boto3.Session(profile_name=profile, region_name=key["region"])
        config = Config(retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
                        connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT)
        if key["role-arn"]:
            sts = session.client("sts", region_name=key["region"], config=config)
            assumed = sts.assume_role(RoleArn=key["role-arn"], RoleSessionName="uv-shim")["Credentials"]
            session = boto3.Session(aws_access_key_id=assumed["AccessKeyId"],
                                    aws_secret_access_key=assumed["SecretAccessKey"],
                                    aws_session_token=assumed["SessionToken"], region_name=key["region"])
        client = session.client("codeartifact", region_name=key["region"], config=config)
        request = {"domain": key["domain"], "domainOwner": key["domain-owner"]}
        if key["duration-seconds"] is not None:
            request["durationSeconds"] = key["duration-seconds"]
        started = time.monotonic()
        answer = client.get_authorization_token(**request)
        debug(f"GetAuthorizationToken took {time.monotonic() - started:.2f}s")
    except bx.ProfileNotFound:
        raise ProviderError(f"AWS profile {profile!r} does not exist",
                            fix="check `profile` in your uv-shim config or AWS_PROFILE; `aws configure list-profiles`") from None
    except (bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError, bx.TokenRetrievalError, bx.SSOError):
        raise ProviderError(f"the AWS SSO session for {where} has expired or was never started",
                            fix=_login_hint(profile)) from None
    except (bx.NoCredentialsError, bx.PartialCredentialsError, bx.CredentialRetrievalError):
        raise ProviderError(f"no AWS credentials found to get a token for {where}",
                            fix=f"{_login_hint(profile)}, `aws configure`, or set AWS_PROFILE") from None
    except (bx.EndpointConnectionError, bx.ConnectionError, bx.HTTPClientError) as exc:
        what = "did not answer in time" if "Timeout" in type(exc).__name__ else "could not be reached"
        raise ProviderError(f"the CodeArtifact API in {key['region']} {what} ({MAX_ATTEMPTS} attempts)",
                            fix="check your network, proxy (HTTPS_PROXY) and AWS_ENDPOINT_URL_CODEARTIFACT") from None
    except bx.ClientError as exc:
        raise _client_error(exc, where, profile) from None
    except bx.BotoCoreError as exc:
        raise ProviderError(f"AWS error while getting a token for {where}: {type(exc).__name__}") from None
    expiration = answer["expiration"]
    expires_at = expiration.timestamp() if hasattr(expiration, "timestamp") else float(expiration)
    return Credential("aws", answer["authorizationToken"], expires_at)


def _client_error(exc, where, profile) -> ProviderError:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedException"):
        return ProviderError(
            f"AWS denied the token request for {where}",
            fix="your AWS identity needs the IAM actions codeartifact:GetAuthorizationToken and "
                "sts:GetServiceBearerToken (on this domain)")
    if code == "ResourceNotFoundException":
        return ProviderError(f"{where} does not exist or is not visible to your AWS account",
                             fix="check the domain name and 12-digit owner in the index URL")
    if code in ("ExpiredTokenException", "ExpiredToken", "InvalidClientTokenId", "UnrecognizedClientException"):
        return ProviderError(f"your AWS credentials were refused ({code}) for {where}",
                             fix=f"{_login_hint(profile)} or refresh your AWS credentials")
    if code in ("ThrottlingException", "TooManyRequestsException"):
        return ProviderError(f"AWS kept throttling the token request for {where} after several retries",
                             fix="wait a minute and run the command again")
    return ProviderError(f"AWS refused the token request for {where} ({code or 'unknown error'})")
