"""Google Artifact Registry, Azure Artifacts, GitLab CI and keyring through the shim with real uv.

What is real: uv (0.4.26 and 0.13.9), the shim, the loopback index with rotating passwords,
TLS under the real registry host names (tests/support/tls.py: a test CA and a proxy that
answers CONNECT for `us-python.pkg.dev` etc.). What is simulated: the cloud CLIs. No cloud can
be reached from the test machines, so `gcloud`, `az` and `keyring` are stand-in executables
on PATH (tests/support/standins.py) that print tokens from a file and log each call.
"""

import os
import secrets

import pytest

from tests.support.index import PackageIndex
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.standins import StandIns
from tests.support.tls import InterceptingProxy
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow


class Registry:
    """One registry: its index URL under the real host name, the user name it expects, and how
    a new token is handed out (by the stand-in CLI, or the CI job's variable)."""

    def __init__(self, name, url, prefix, username, cli=None, config=None, env=None):
        self.name, self.url, self.prefix, self.username = name, url, prefix, username
        self.cli, self.config, self.env = cli, config, env or {}


REGISTRIES = {
    "gar": Registry("google-artifact-registry", "https://us-python.pkg.dev/proj/repo/simple/", "/proj/repo",
                    "oauth2accesstoken", cli="gcloud"),
    "azure": Registry("azure-artifacts", "https://pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/",
                      "/org/_packaging/feed/pypi", "az", cli="az"),
    "gitlab": Registry("gitlab-ci", "https://gitlab.example.com/api/v4/projects/42/packages/pypi/simple/",
                       "/api/v4/projects/42/packages/pypi", "gitlab-ci-token",
                       env={"GITLAB_CI": "true", "CI_SERVER_URL": "https://gitlab.example.com"}),
    "keyring": Registry("keyring", "https://pkgs.example.com/pypi/simple/", "/pypi", "me", cli="keyring",
                        config='[[credential]]\nurl = "https://pkgs.example.com/pypi/"\nprovider = "keyring"\n'
                               'username = "me"\n'),
}


class Setup:
    def __init__(self, tmp_path, registry, version):
        self.registry = registry
        self.index = PackageIndex(username=registry.username, password="never-issued")
        self.index.prefix = registry.prefix
        self.index.publish("demo-tool", "1.0")
        self.proxy = InterceptingProxy(self.index.server.server_port)
        self.box = Sandbox(tmp_path, version)
        self.clis = StandIns(tmp_path / "standin-bin")
        self.box.env.update(self.proxy.env())
        self.box.env.update(registry.env)
        self.box.env["PATH"] = f"{self.clis.directory}{os.pathsep}{self.box.env['PATH']}"
        if registry.config:
            self.box.shim_config(registry.config)
        self.tokens = []

    def issue(self, life=3600.0) -> str:
        """The registry revokes the old token and hands out a new one (as its CLI or CI would)."""
        token = f"tok-{len(self.tokens)}-" + secrets.token_urlsafe(12)
        self.tokens.append(token)
        self.index.rotate(token)
        cli = self.registry.cli
        if cli == "keyring":
            self.clis.set("keyring", entries={self.registry.url: [self.registry.username, token]})
        elif cli:
            self.clis.token(cli, token, life=life)
        else:
            self.box.env["CI_JOB_TOKEN"] = token
        return token

    def cli_calls(self) -> int:
        return len(self.clis.calls(self.registry.cli)) if self.registry.cli else 0

    def close(self):
        self.proxy.close()
        self.index.close()


@pytest.fixture
def make(tmp_path):
    made = []

    def build(key, version=NEWEST):
        setup = Setup(tmp_path / f"{key}-{version}", REGISTRIES[key], version)
        made.append(setup)
        return setup

    yield build
    for setup in made:
        setup.close()


def run_logged(setup):
    """Run uv through a wrapper that records whether the real uv was started for the command
    (the shim's own `uv --version`, which tells it how to hand credentials over, is not that)."""
    marker = setup.box.root / "real-uv-ran"
    wrapper = setup.box.root / "real-uv-wrapper"
    wrapper.write_text(f"#!/bin/sh\n[ \"$*\" = --version ] || echo ran >> '{marker}'\n"
                       f"exec '{setup.box.real_uv}' \"$@\"\n")
    wrapper.chmod(0o755)
    setup.box.env["UV_SHIM_REAL_UV"] = str(wrapper)
    return marker


@pytest.mark.parametrize("version", ["0.4.26", NEWEST])
@pytest.mark.parametrize("key", sorted(REGISTRIES))
def test_install_rotate_upgrade_with_one_cli_call_per_token_life(make, key, version):
    setup = make(key, version)
    box, url = setup.box, setup.registry.url
    setup.issue()
    result = box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", url, "demo-tool")
    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 1.0"
    assert setup.cli_calls() == (1 if setup.registry.cli else 0)

    setup.issue()  # rotated: the cached token is now refused, the CLI has a new one
    setup.index.publish("demo-tool", "2.0")
    result = box.uv("tool", "upgrade", "demo-tool")
    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 2.0"
    calls = setup.cli_calls()
    assert calls == (2 if setup.registry.cli else 0)  # asked again once, after the index refused

    setup.index.publish("demo-tool", "3.0")
    commands = [("tool", "upgrade", "demo-tool"), ("tool", "upgrade", "--all"),
                ("tool", "run", "--index-url", url, "demo-tool"), ("tool", "upgrade", "demo-tool"),
                ("tool", "run", "--python", BASE_PYTHON, "--index-url", url, "--from", "demo-tool", "demo-tool")]
    for args in commands:
        result = box.uv(*args)
        assert result.returncode == 0, (args, result.stderr)
        for token in setup.tokens:
            assert token not in result.stdout + result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 3.0"
    assert setup.cli_calls() == calls  # within the token's life: the CLI is not run again
    assert setup.proxy.hosts() == [url.split("/")[2]]  # uv went to the real host name, over TLS
    receipt = box.receipt("demo-tool")
    assert all(token not in receipt for token in setup.tokens)
    if setup.registry.cli:
        cache = list((box.home / ".cache" / "uv-shim").glob("*.json"))
        assert len(cache) == 1 and cache[0].stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("key", sorted(REGISTRIES))
def test_uvx_through_the_shim(make, key):
    setup = make(key)
    setup.issue()
    result = setup.box.run([setup.box.shim_home / "bin" / "uvx", "--python", BASE_PYTHON,
                            "--index-url", setup.registry.url, "demo-tool"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "demo-tool 1.0"


@pytest.mark.parametrize("key", ["gar", "azure", "gitlab"])
def test_lock_and_sync_with_rotation_and_no_config(make, key):
    setup = make(key)
    box = setup.box
    project = box.root / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.8"\ndependencies = ["demo-tool"]\n\n'
        f'[[tool.uv.index]]\nname = "corp"\nurl = "{setup.registry.url}"\ndefault = true\n')
    # A token near the end of its life is not reused: the rotation below is what its expiry
    # brings. (Project commands make no request of uv-shim's own, so a token revoked before
    # its expiry is not noticed there; `uv tool` commands check and refresh it.)
    setup.issue(life=200)
    for args in (("lock",), ("sync", "--python", BASE_PYTHON)):
        result = box.uv(*args, cwd=project)
        assert result.returncode == 0, result.stderr
    setup.issue()
    setup.index.publish("demo-tool", "2.0")
    result = box.uv("lock", "--upgrade", cwd=project)
    assert result.returncode == 0, result.stderr
    assert 'version = "2.0"' in (project / "uv.lock").read_text()
    assert box.uv("sync", "--python", BASE_PYTHON, cwd=project).returncode == 0
    lock = (project / "uv.lock").read_text()
    assert all(token not in lock for token in setup.tokens)


def shim_credentials(setup):
    return setup.box.run([setup.box.shim_home / "bin" / "uv-shim", "credentials", setup.registry.url])


@pytest.mark.parametrize("key, scope", [
    ("gar", "https://us-python.pkg.dev/proj/repo/"),
    ("azure", "https://pkgs.dev.azure.com/org/_packaging/feed/"),
    ("gitlab", "https://gitlab.example.com/api/v4/projects/42/packages/pypi/"),
])
def test_credentials_command_names_the_zero_config_provider(make, key, scope):
    setup = make(key)
    setup.issue()
    shown = shim_credentials(setup).stdout
    assert f"provider: {setup.registry.name} (zero configuration: recognised from the URL)" in shown
    assert f"credential scope: {scope}\n" in shown


def install_fails(setup):
    marker = run_logged(setup)
    result = setup.box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", setup.registry.url, "demo-tool")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert not marker.exists(), "uv was run"
    assert not setup.box.receipt_path("demo-tool").exists()
    for token in setup.tokens:
        assert token not in result.stderr
    return result.stderr


def test_gcloud_not_installed(make):
    setup = make("gar")
    setup.box.env["PATH"] = os.pathsep.join([str(setup.box.shim_home / "bin"), str(setup.box.real_uv.parent)])
    err = install_fails(setup)
    assert "the Google Cloud CLI (gcloud) is not installed" in err and "gcloud auth login" in err


def test_gcloud_not_logged_in(make):
    setup = make("gar")
    setup.clis.set("gcloud", logged_in=False)
    err = install_fails(setup)
    assert "You do not currently have an active account selected" in err
    assert "fix: gcloud auth login" in err


def test_gcloud_permission_denied_names_the_reader_role(make):
    setup = make("gar")
    setup.issue()
    # anonymous: 401 (as Artifact Registry answers); this identity may not read the repository: 403
    setup.index.auth_failure = lambda header: 403 if header else 401
    err = install_fails(setup)
    assert "refused the credential from google-artifact-registry proj/repo" in err and "HTTP 403" in err
    assert "roles/artifactregistry.reader" in err
    assert setup.cli_calls() == 2  # asked again once before giving up


def test_az_missing(make):
    setup = make("azure")
    setup.box.env["PATH"] = os.pathsep.join([str(setup.box.shim_home / "bin"), str(setup.box.real_uv.parent)])
    err = install_fails(setup)
    assert "the Azure CLI (az) is not installed" in err and "az login" in err


def test_az_login_needed(make):
    setup = make("azure")
    setup.clis.set("az", logged_in=False)
    err = install_fails(setup)
    assert "Please run 'az login'" in err and "fix: az login" in err


def test_azure_pipeline_endpoints_need_no_az(make):
    import json

    setup = make("azure")
    token = setup.issue()
    setup.box.env["VSS_NUGET_EXTERNAL_FEED_ENDPOINTS"] = json.dumps({"endpointCredentials": [
        {"endpoint": setup.registry.url, "username": "az", "password": token}]})
    setup.box.env["PATH"] = os.pathsep.join([str(setup.box.shim_home / "bin"), str(setup.box.real_uv.parent)])
    result = setup.box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", setup.registry.url, "demo-tool")
    assert result.returncode == 0, result.stderr


def test_gitlab_refused_job_token(make):
    setup = make("gitlab")
    setup.issue()
    setup.index.rotate("another")
    err = install_fails(setup)
    assert "refused the credential from gitlab-ci job token for project 42 (HTTP 401)" in err
    assert "Job token permissions" in err


def test_gitlab_outside_ci_guesses_nothing(make):
    setup = make("gitlab")
    setup.issue()
    del setup.box.env["GITLAB_CI"]
    result = setup.box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", setup.registry.url, "demo-tool")
    assert result.returncode != 0  # plain uv's own failure: no credential was guessed
    assert all(auth is None for _, _, auth in setup.index.requests)


def test_keyring_absent(make):
    setup = make("keyring")
    setup.box.env["PATH"] = os.pathsep.join([str(setup.box.shim_home / "bin"), str(setup.box.real_uv.parent)])
    err = install_fails(setup)
    assert "keyring is not installed" in err and "pip install keyring" in err


class OAuthTokenEndpoint:
    """Google's OAuth token endpoint, on loopback (gcloud is pointed at it with
    CLOUDSDK_AUTH_TOKEN_HOST): answers the signed JWT grant of a service account with a new
    access token valid for an hour, as oauth2.googleapis.com does."""

    def __init__(self, on_token):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        endpoint = self
        self.grants = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                endpoint.grants.append(body)
                token = "ya29.real-gcloud-" + secrets.token_urlsafe(12)
                on_token(token)
                data = json.dumps({"access_token": token, "expires_in": 3599, "token_type": "Bearer"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/token"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_with_the_real_gcloud_when_installed(make, tmp_path):
    """The real Google Cloud CLI (not a stand-in), logged in as a service account whose token
    endpoint is on loopback: its token and expiry reach uv, and it runs once per token life."""
    import json
    import shutil
    import subprocess

    real_gcloud = shutil.which("gcloud", path="/usr/bin:/usr/local/bin:/snap/bin")
    if real_gcloud is None or shutil.which("openssl") is None:
        pytest.skip("the Google Cloud CLI (or openssl) is not installed here")
    setup = make("gar")
    box = setup.box
    endpoint = OAuthTokenEndpoint(setup.index.rotate)
    try:
        key = tmp_path / "sa.pem"
        subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
        account = "reader@proj.iam.gserviceaccount.com"
        (tmp_path / "sa.json").write_text(json.dumps({
            "type": "service_account", "project_id": "proj", "private_key_id": "k1", "private_key": key.read_text(),
            "client_email": account, "client_id": "1", "token_uri": endpoint.url}))
        box.env.update(CLOUDSDK_CONFIG=str(tmp_path / "gcloud-config"), CLOUDSDK_AUTH_TOKEN_HOST=endpoint.url,
                       CLOUDSDK_CORE_DISABLE_USAGE_REPORTING="true", CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK="true")
        counted = tmp_path / "counted"  # the real gcloud behind a wrapper that counts its runs
        counted.mkdir()
        (counted / "gcloud").write_text(f"#!/bin/sh\necho run >> '{tmp_path / 'gcloud-runs'}'\n"
                                        f"exec '{real_gcloud}' \"$@\"\n")
        (counted / "gcloud").chmod(0o755)
        box.env["PATH"] = os.pathsep.join([str(box.shim_home / "bin"), str(counted), str(box.real_uv.parent),
                                           "/bin"])
        login = box.run([real_gcloud, "auth", "activate-service-account", f"--key-file={tmp_path / 'sa.json'}"])
        assert login.returncode == 0, login.stderr
        grants = len(endpoint.grants)
        result = box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", setup.registry.url, "demo-tool")
        assert result.returncode == 0, result.stderr
        assert box.uv("tool", "upgrade", "demo-tool").returncode == 0
        assert box.uv("tool", "upgrade", "--all").returncode == 0
        cache = json.loads(next((box.home / ".cache" / "uv-shim").glob("google-artifact-registry*.json")).read_text())
        assert 3000 < cache["expires_at"] - cache["issued_at"] < 3700  # gcloud told the expiry
        assert len(endpoint.grants) - grants <= 1
        assert (tmp_path / "gcloud-runs").read_text().count("run") == 1  # once for three commands
    finally:
        endpoint.close()
