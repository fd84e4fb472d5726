"""Stand-in `gcloud`, `az` and `keyring` executables (mocks: no cloud can be reached from the
test machines, and az/keyring are not installed on them).

Each is a small Python program written into a directory the test puts first on PATH. It
appends its argv to `calls.log`, reads the current token and login state from `state.json`
(so a test rotates a token or logs the user out by rewriting that file), and prints what the
real tool prints for the arguments uv-shim uses: the JSON shapes and error texts were copied
from gcloud 528 (run here against a loopback token endpoint), az 2.x and keyring 25.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

PROGRAM = r'''#!{python}
import datetime, json, os, sys, time
DIR = {directory!r}
args = sys.argv[1:]
with open(DIR + "/calls.log", "a") as log:
    log.write({name!r} + " " + json.dumps({{"args": args, "cwd": os.getcwd(),
                                            "stdin": os.isatty(0) or bool(sys.stdin.read(1))}}) + "\n")
state = json.load(open(DIR + "/state.json"))
me = state.get({name!r}, {{}})
if me.get("sleep"):
    time.sleep(me["sleep"])
def fail(text, status=1):
    sys.stderr.write(text + "\n")
    sys.exit(status)
def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
NAME = {name!r}
if NAME == "gcloud":
    if args[:2] == ["config", "config-helper"]:
        if not me.get("logged_in", True):
            fail("ERROR: (gcloud.config.config-helper) You do not currently have an active account selected.\n"
                 "Please run:\n\n  $ gcloud auth login\n\nto obtain new credentials.")
        print(json.dumps({{"credential": {{"access_token": me["token"], "id_token": None,
                                           "token_expiry": iso(me["expires_at"]) if me.get("expires_at") else None}}}},
                         indent=2))
    elif args[:3] == ["auth", "application-default", "print-access-token"]:
        if not me.get("adc_token"):
            fail("ERROR: (gcloud.auth.application-default.print-access-token) Your default credentials were not "
                 "found. To set up Application Default Credentials, see "
                 "https://cloud.google.com/docs/authentication/external/set-up-adc for more information.")
        expiry = datetime.datetime.fromtimestamp(me["adc_expires_at"], datetime.timezone.utc)
        print(json.dumps({{"expiry": {{"datetime": expiry.strftime("%Y-%m-%d %H:%M:%S.%f")}},
                           "token": me["adc_token"]}}, indent=2))
    else:
        fail("ERROR: (gcloud) unexpected arguments for the stand-in: " + " ".join(args), 2)
elif NAME == "az":
    if args[:2] != ["account", "get-access-token"]:
        fail("ERROR: unexpected arguments for the stand-in", 2)
    if not me.get("logged_in", True):
        fail("ERROR: Please run 'az login' to setup account.")
    local = datetime.datetime.fromtimestamp(me["expires_at"]).strftime("%Y-%m-%d %H:%M:%S.%f")
    answer = {{"accessToken": me["token"], "expiresOn": local, "subscription": "00000000-0000-0000-0000-000000000000",
               "tenant": "11111111-1111-1111-1111-111111111111", "tokenType": "Bearer"}}
    if me.get("epoch", True):
        answer["expires_on"] = int(me["expires_at"])
    print(json.dumps(answer, indent=2))
elif NAME == "keyring":
    if args[:1] != ["get"] or len(args) < 3:
        fail("usage: keyring [-h] [-p KEYRING_PATH] [-b KEYRING_BACKEND] [--list-backends] [--disable] "
             "[--print-completion {{bash,zsh,tcsh}}] [{{get,set,del,diagnose}}] [service] [username]", 2)
    service = args[1]
    entry = me.get("entries", {{}}).get(service)
    if args[2:] == ["--mode", "creds"]:
        if not me.get("modes", True):
            fail("usage: keyring ...\nkeyring: error: unrecognized arguments: --mode", 2)
        if not entry:
            sys.exit(1)
        print(entry[0]); print(entry[1])
    else:
        if not entry or entry[0] != args[2]:
            sys.exit(1)
        print(entry[1])
'''


class StandIns:
    """The stand-in CLIs in `directory` (put it first on PATH), their shared state and call log."""

    def __init__(self, directory: Path, names=("gcloud", "az", "keyring")):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.state = {}
        self.save()
        (self.directory / "calls.log").write_text("")
        for name in names:
            path = self.directory / name
            path.write_text(PROGRAM.format(python=sys.executable, directory=str(self.directory), name=name))
            path.chmod(0o755)

    def save(self) -> None:
        (self.directory / "state.json").write_text(json.dumps(self.state))

    def set(self, name: str, **values) -> None:
        self.state.setdefault(name, {}).update(values)
        self.save()

    def token(self, name: str, token: str, life: float = 3600.0, **extra) -> None:
        """The token `name` hands out from now on, valid for `life` seconds."""
        self.set(name, token=token, expires_at=time.time() + life, **extra)

    def records(self, name: str) -> list:
        """Each call of `name`: {"args": argv[1:], "cwd": its working directory, "stdin": whether
        it could read anything from stdin}."""
        lines = (self.directory / "calls.log").read_text().splitlines()
        return [json.loads(rest) for who, _, rest in (line.partition(" ") for line in lines) if who == name]

    def calls(self, name: str) -> list:
        return [record["args"] for record in self.records(name)]
