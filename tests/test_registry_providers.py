"""The gcloud, az, keyring and GitLab providers in-process, with the stand-in CLIs of
tests/support/standins.py on PATH (mocks: no cloud can be reached here, az and keyring are
not installed). The end-to-end runs with real uv are in tests/e2e/test_registries.py."""

import json
import os
import sys
import time

import pytest

from shim.providers import azure_artifacts, gitlab_ci, google_artifact_registry, keyring
from shim.providers.base import ProviderError, obtain
from tests.support.standins import StandIns

GAR = "https://us-python.pkg.dev/proj/repo/simple/"
AZURE = "https://pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/"


@pytest.fixture
def clis(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_CONFIG", "AZURE_CONFIG_DIR",
                 azure_artifacts.PIPELINE_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    stand_ins = StandIns(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{stand_ins.directory}{os.pathsep}/bin")
    monkeypatch.chdir(tmp_path)  # a "project" directory: the CLIs must not run here
    stand_ins.home = home
    return stand_ins


def gar_settings():
    return google_artifact_registry.discover(GAR, None)


def test_gcloud_token_with_its_expiry_cached_for_its_life(clis):
    clis.token("gcloud", "ya29.first", life=3600)
    credential = obtain(google_artifact_registry, GAR, gar_settings())
    assert (credential.username, credential.password) == ("oauth2accesstoken", "ya29.first")
    assert abs(credential.expires_at - clis.state["gcloud"]["expires_at"]) < 1.5  # gcloud's own expiry
    for _ in range(4):
        assert obtain(google_artifact_registry, GAR, gar_settings()).password == "ya29.first"
    [record] = clis.records("gcloud")
    assert record["args"][:3] == ["config", "config-helper", "--format=json(credential)"]
    assert record["cwd"] == str(clis.home) and record["stdin"] is False
    clis.token("gcloud", "ya29.second")
    assert google_artifact_registry.refresh(GAR, gar_settings()).password == "ya29.second"


def test_gcloud_token_near_its_expiry_is_not_reused(clis):
    clis.token("gcloud", "ya29.old", life=200)  # gcloud hands out its cached token, 200 s left
    obtain(google_artifact_registry, GAR, gar_settings())
    obtain(google_artifact_registry, GAR, gar_settings())
    assert len(clis.calls("gcloud")) == 2


def test_application_default_credentials(clis, monkeypatch):
    clis.set("gcloud", adc_token="ya29.adc", adc_expires_at=time.time() + 3600, token="ya29.user",
             expires_at=time.time() + 3600)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/keys/sa.json")
    credential = obtain(google_artifact_registry, GAR, gar_settings())
    assert credential.password == "ya29.adc" and credential.expires_at > time.time() + 3500
    assert clis.calls("gcloud")[0][:3] == ["auth", "application-default", "print-access-token"]
    assert "--format=json(token,expiry.datetime)" in clis.calls("gcloud")[0]  # never the refresh token


def test_no_user_login_falls_back_to_application_default(clis):
    clis.set("gcloud", logged_in=False, adc_token="ya29.adc", adc_expires_at=time.time() + 3600)
    assert obtain(google_artifact_registry, GAR, gar_settings()).password == "ya29.adc"


def test_gcloud_not_logged_in(clis):
    clis.set("gcloud", logged_in=False)
    with pytest.raises(ProviderError) as caught:
        obtain(google_artifact_registry, GAR, gar_settings())
    assert "You do not currently have an active account selected" in caught.value.message
    assert caught.value.fix == "gcloud auth login"


def test_gcloud_not_installed(clis, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ProviderError, match=r"gcloud\) is not installed") as caught:
        obtain(google_artifact_registry, GAR, gar_settings())
    assert "cloud.google.com/sdk" in caught.value.fix


def test_gcloud_that_hangs_is_stopped(clis):
    clis.token("gcloud", "ya29.x")
    clis.set("gcloud", sleep=30)
    start = time.monotonic()
    with pytest.raises(ProviderError, match="did not finish within 1s"):
        obtain(google_artifact_registry, GAR, {**gar_settings(), "timeout": 1})
    assert time.monotonic() - start < 10


def test_no_google_token_over_http(clis):
    clis.token("gcloud", "ya29.x")
    with pytest.raises(ProviderError, match="plain http"):
        obtain(google_artifact_registry, GAR.replace("https", "http"), gar_settings())
    assert clis.calls("gcloud") == []


def test_403_fix_names_the_reader_role():
    fix = google_artifact_registry.rejected_fix(gar_settings())
    assert "roles/artifactregistry.reader" in fix and "--project=proj" in fix and "gcloud auth login" in fix


@pytest.mark.parametrize("epoch", [True, False])
def test_az_token_and_expiry(clis, epoch):
    clis.token("az", "eyJ.az-token", life=3000, epoch=epoch)
    settings = azure_artifacts.discover(AZURE, None)
    for _ in range(5):
        credential = obtain(azure_artifacts, AZURE, settings)
    assert (credential.username, credential.password) == ("az", "eyJ.az-token")
    assert abs(credential.expires_at - clis.state["az"]["expires_at"]) < 1.5  # expires_on, else local expiresOn
    [record] = clis.records("az")
    assert record["args"][:5] == ["account", "get-access-token", "--resource",
                                  "499b84ac-1321-427f-aa17-267ca6975798", "--output"]
    assert record["cwd"] == str(clis.home)


def test_az_not_logged_in_and_missing(clis, monkeypatch):
    clis.set("az", logged_in=False)
    with pytest.raises(ProviderError, match="Please run 'az login'") as caught:
        obtain(azure_artifacts, AZURE, azure_artifacts.discover(AZURE, None))
    assert caught.value.fix == "az login"
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ProviderError, match=r"\(az\) is not installed") as caught:
        obtain(azure_artifacts, AZURE, azure_artifacts.discover(AZURE, None))
    assert "az login" in caught.value.fix


def test_azure_pipeline_feed_endpoints(clis, monkeypatch):
    monkeypatch.setenv(azure_artifacts.PIPELINE_VARIABLE, json.dumps({"endpointCredentials": [
        {"endpoint": "https://pkgs.dev.azure.com/other/_packaging/feed/pypi/simple/", "password": "wrong"},
        {"endpoint": "https://pkgs.dev.azure.com/org/_packaging/feed/nuget/v3/index.json", "username": "build",
         "password": "pipeline-pat"}]}))
    credential = obtain(azure_artifacts, AZURE, azure_artifacts.discover(AZURE, None))
    assert (credential.username, credential.password, credential.expires_at) == ("build", "pipeline-pat", None)
    assert clis.calls("az") == []
    monkeypatch.setenv(azure_artifacts.PIPELINE_VARIABLE, "{not json")
    with pytest.raises(ProviderError, match="not valid JSON"):
        obtain(azure_artifacts, AZURE, azure_artifacts.discover(AZURE, None))


def test_gitlab_job_token(monkeypatch):
    monkeypatch.setenv("CI_JOB_TOKEN", "job-123")
    credential = gitlab_ci.fetch("https://gitlab.example.com/api/v4/projects/1/packages/pypi/simple/", {})
    assert (credential.username, credential.password) == ("gitlab-ci-token", "job-123")
    monkeypatch.delenv("CI_JOB_TOKEN")
    with pytest.raises(ProviderError, match="CI_JOB_TOKEN is not set"):
        gitlab_ci.fetch("https://gitlab.example.com/api/v4/projects/1/packages/pypi/simple/", {})


URL = "https://pkgs.example.com/pypi/simple/"


def test_keyring_cli_with_a_username_then_cached(clis):
    clis.set("keyring", entries={URL: ["me", "secret-1"]})
    for _ in range(5):
        credential = obtain(keyring, URL, {"username": "me"})
    assert (credential.username, credential.password) == ("me", "secret-1")
    assert clis.calls("keyring") == [["get", URL, "me"]]
    assert clis.records("keyring")[0]["cwd"] == str(clis.home)


def test_keyring_cli_creds_mode_and_host_fallback(clis):
    clis.set("keyring", entries={"pkgs.example.com": ["VssSessionToken", "secret-2"]})
    credential = obtain(keyring, URL, {})
    assert (credential.username, credential.password) == ("VssSessionToken", "secret-2")
    assert clis.calls("keyring") == [["get", URL, "--mode", "creds"], ["get", "pkgs.example.com", "--mode", "creds"]]


def test_keyring_without_an_answer(clis):
    with pytest.raises(ProviderError, match="keyring has no credential for") as caught:
        obtain(keyring, URL, {"username": "me"})
    assert "keyring set" in caught.value.fix


def test_keyring_too_old_for_creds_mode(clis):
    clis.set("keyring", modes=False)
    with pytest.raises(ProviderError, match="too old") as caught:
        obtain(keyring, URL, {})
    assert "username" in caught.value.fix


def test_keyring_absent(clis, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setitem(sys.modules, "keyring", None)  # and not importable in uv-shim's environment
    with pytest.raises(ProviderError, match="keyring is not installed") as caught:
        obtain(keyring, URL, {})
    assert "pip install keyring" in caught.value.fix and "uv tool install keyring" in caught.value.fix


def test_keyring_config_entry(tmp_path):
    from shim.config import load_file

    path = tmp_path / "config.toml"
    path.write_text('[[credential]]\nurl = "https://pkgs.example.com/"\nprovider = "keyring"\nusername = "me"\n'
                    "lifetime = 900\n")
    [rule] = load_file(path)
    assert rule.provider == "keyring" and rule.settings == {"username": "me", "lifetime": 900}
