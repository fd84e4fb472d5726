"""A loopback stand-in for AWS CodeArtifact: no real AWS can be reached from here.

It speaks the real REST-JSON API for GetAuthorizationToken (what boto3 sends, found
through AWS_ENDPOINT_URL_CODEARTIFACT), insists on a SigV4 Authorization header,
counts calls, and serves the PyPI index for the tokens it issued, answering 404 to an
expired or unknown token as CodeArtifact does. uv reaches the
`https://*.d.codeartifact.*.amazonaws.com` host (or the dual-stack `*.on.aws` one) with
real TLS through HTTPS_PROXY (tests/support/tls.py), relayed here.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from urllib.parse import parse_qs, urlsplit

from .index import PackageIndex
from .tls import InterceptingProxy

DOMAIN, OWNER, REGION, REPO = "corp-tools", "111122223333", "eu-west-1", "tools"
HOST = f"{DOMAIN}-{OWNER}.d.codeartifact.{REGION}.amazonaws.com"
DUALSTACK_HOST = f"{DOMAIN}-{OWNER}.codeartifact.{REGION}.on.aws"


class FakeCodeArtifact(PackageIndex):
    prefix = f"/pypi/{REPO}"

    def __init__(self, token_lifetime=3600.0, host=HOST):
        super().__init__(username="aws", password="unused")
        self.public_host = host
        self.proxy = InterceptingProxy(self.server.server_port)
        self.token_lifetime = token_lifetime
        self.tokens = {}  # token -> expiry (epoch)
        self.calls = []  # (query dict) per GetAuthorizationToken
        self.errors = []  # queued (HTTP status, error type) answers for the next calls
        self.assumed = []  # STS AssumeRole requests (form fields)
        self.calls_lock = threading.Lock()

    @property
    def index_url(self) -> str:
        return f"https://{self.public_host}{self.prefix}/simple/"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def env(self) -> dict:
        return {
            "AWS_ENDPOINT_URL_CODEARTIFACT": self.endpoint,
            "AWS_ENDPOINT_URL_STS": self.endpoint,
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "AWS_EC2_METADATA_DISABLED": "true",
            **self.proxy.env(),
        }

    def close(self) -> None:
        self.proxy.close()
        super().close()

    def expire_all(self) -> None:
        for token in self.tokens:
            self.tokens[token] = 0.0

    def auth_failure(self, header):
        if not header:
            return 401
        try:
            user, _, token = base64.b64decode(header.split(" ", 1)[1]).decode().partition(":")
        except (IndexError, ValueError):
            return 401
        if user == "aws" and self.tokens.get(token, 0) > time.time():
            return None
        return 404  # CodeArtifact's answer to an expired or unknown token

    def post(self, handler, path):
        parts = urlsplit(path)
        if parts.path == "/" and "/sts/aws4_request" in handler.headers.get("Authorization", ""):
            return self._assume_role(handler)
        if parts.path != "/v1/authorization-token":
            return handler._send(404, b"{}", "application/json")
        handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        query["signed-by"] = handler.headers.get("Authorization", "").partition("Credential=")[2].partition("/")[0]
        with self.calls_lock:
            self.calls.append(query)
            error = self.errors.pop(0) if self.errors else None
        auth = handler.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 ") or "/codeartifact/aws4_request" not in auth:
            error = (403, "InvalidSignatureException")
        if error is None and (query.get("domain"), query.get("domain-owner")) != (DOMAIN, OWNER):
            error = (404, "ResourceNotFoundException")
        if error:
            status, kind = error
            body = json.dumps({"__type": kind, "message": f"{kind} from the loopback CodeArtifact"}).encode()
            handler.send_response(status)
            handler.send_header("x-amzn-ErrorType", kind)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return None
        lifetime = float(query.get("duration") or self.token_lifetime)
        token = "ca-" + secrets.token_urlsafe(24)
        expiry = time.time() + lifetime
        self.tokens[token] = expiry
        return handler._send(200, json.dumps({"authorizationToken": token, "expiration": int(expiry)}).encode(),
                             "application/json")

    def _assume_role(self, handler):
        """STS AssumeRole (query protocol, XML answer): temporary keys starting with ASIA."""
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0)).decode()
        form = {k: v[0] for k, v in parse_qs(body).items()}
        self.assumed.append(form)
        xml = f"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAASSUMEDROLE0001</AccessKeyId>
      <SecretAccessKey>assumed-secret</SecretAccessKey>
      <SessionToken>assumed-session-token</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLE:{form.get("RoleSessionName", "")}</AssumedRoleId>
      <Arn>{form.get("RoleArn", "")}</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>loopback</RequestId></ResponseMetadata>
</AssumeRoleResponse>"""
        return handler._send(200, xml.encode(), "text/xml")
