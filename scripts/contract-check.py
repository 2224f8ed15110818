#!/usr/bin/env python3
"""Checks the running server against its own OpenAPI document with schemathesis.

Starts `filmroom serve` on the embedded default in a temporary directory,
bootstraps an organisation, seeds a team with a ready call, a comment, a
transcript, a 1:1 with a clip and an action item, a focus skill, a webhook and
an integration token, and hands their ids to schemathesis so that operations
on existing things are exercised too, not only their 404s. Then runs the
pinned schemathesis twice: with the admin's token over every operation, and
with an integration token over the integration endpoints.

It fails when any response is a 5xx, breaks its documented schema or content
type, or when the server logged a panic. Usage: scripts/contract-check.py
[--max-examples N]. Installs schemathesis into a virtualenv under ~/.cache.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

SCHEMATHESIS_VERSION = "4.32.5"
ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "speech-8k-mono-s16.wav"
WEEK = "2026-W48"
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"


def log(message: str) -> None:
    print(f"contract-check: {message}", flush=True)


def schemathesis() -> pathlib.Path:
    venv = pathlib.Path.home() / ".cache" / f"filmroom-schemathesis-{SCHEMATHESIS_VERSION}"
    binary = venv / "bin" / "schemathesis"
    if not binary.exists():
        log(f"installing schemathesis {SCHEMATHESIS_VERSION} into {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", f"schemathesis=={SCHEMATHESIS_VERSION}"],
            check=True,
        )
    return binary


def build() -> pathlib.Path:
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", pathlib.Path.home() / ".cache" / "filmroom-target"))
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    subprocess.run(["cargo", "build", "--locked", "-p", "filmroom-cli", "--bin", "filmroom"], cwd=ROOT, env=env, check=True)
    return target / "debug" / "filmroom"


class Server:
    """`filmroom serve` on a free port, its log kept for the panic check."""

    def __init__(self, binary: pathlib.Path, data_dir: str) -> None:
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "FILMROOM_DATA_DIR": data_dir,
            "FILMROOM_POLL_INTERVAL_MS": "50",
            "RUST_LOG": "warn,filmroom=info",
        }
        self.binary = binary
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [str(binary), "serve", "--listen", "127.0.0.1:0"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        found = threading.Event()
        self.base = ""

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line.rstrip())
                match = re.search(r"listening on (http://[0-9.:]+)", line)
                if match and not found.is_set():
                    self.base = match.group(1)
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(60):
            self.stop()
            raise SystemExit("filmroom serve did not start:\n" + "\n".join(self.lines))

    def bootstrap(self) -> str:
        result = subprocess.run(
            [str(self.binary), "admin", "bootstrap", "--org", "Contract Org", "--email", "admin@contract.example", "--name", "Contract Admin"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    def panics(self) -> list[str]:
        return [line for line in self.lines if "panicked" in line]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Client:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, token: str, body: object = None, raw: bytes | None = None, content_type: str = "application/json") -> dict:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode() or "null"
        except urllib.error.HTTPError as e:
            raise SystemExit(f"seeding failed: {method} {path} answered {e.code}: {e.read().decode()}") from e
        return json.loads(text)


def seed(client: Client, admin: str) -> dict[str, str]:
    """Creates one of each thing and returns their ids by name."""
    ids: dict[str, str] = {}
    ids["admin"] = client.call("GET", "/v1/me", admin)["user"]["id"]
    ids["manager"] = client.call("POST", "/v1/users", admin, {"email": "manager@contract.example", "name": "Manager", "role": "manager"})["id"]
    ids["rep"] = client.call("POST", "/v1/users", admin, {"email": "rep@contract.example", "name": "Rep", "role": "rep", "manager_id": ids["manager"]})["id"]
    rep = client.call("POST", f"/v1/users/{ids['rep']}/tokens", admin, {"name": "contract"})["secret"]
    spare = client.call("POST", f"/v1/users/{ids['rep']}/tokens", admin, {"name": "to revoke"})
    ids["spare_token"] = spare["token"]["id"]

    client.call("PUT", "/v1/rubric", admin, {"criteria": [{"key": "discovery", "name": "Discovery"}]})
    ids["call"] = client.call("POST", "/v1/calls", rep, {"rep_id": ids["rep"], "title": "Contract call"})["id"]
    client.call("PUT", f"/v1/calls/{ids['call']}/audio", rep, raw=FIXTURE.read_bytes(), content_type="audio/wav")
    deadline = time.time() + 60
    while client.call("GET", f"/v1/calls/{ids['call']}", rep)["status"] != "ready":
        if time.time() > deadline:
            raise SystemExit("the seeded call did not become ready")
        time.sleep(0.1)
    ids["spare_call"] = client.call("POST", "/v1/calls", rep, {"rep_id": ids["rep"], "title": "Call to delete"})["id"]
    client.call("PUT", f"/v1/calls/{ids['call']}/transcript", rep, [{"start_ms": 0, "end_ms": 1500, "speaker": "Customer", "text": "What does it cost?"}])
    ids["comment"] = client.call("POST", f"/v1/calls/{ids['call']}/comments", rep, {"at_ms": 500, "body": "Answered too fast", "kind": "improve"})["id"]
    client.call("PUT", f"/v1/reps/{ids['rep']}/weeks/{WEEK}/nominations/struggled", rep, {"call_id": ids["call"]})
    for state in ["self_reviewed", "shared"]:
        client.call("POST", f"/v1/reps/{ids['rep']}/weeks/{WEEK}/nominations/struggled/state", rep, {"state": state})

    ids["series"] = client.call("POST", "/v1/one-on-one-series", admin, {"manager_id": ids["manager"], "rep_id": ids["rep"], "weekday": "monday", "time": "10:00", "duration_minutes": 30})["id"]
    ids["one_on_one"] = client.call("GET", f"/v1/one-on-ones?rep={ids['rep']}", admin)["items"][0]["id"]
    ids["clip"] = client.call("POST", f"/v1/one-on-ones/{ids['one_on_one']}/clips", admin, {"call_id": ids["call"], "start_ms": 0, "end_ms": 1000})["id"]
    ids["action_item"] = client.call("POST", f"/v1/one-on-ones/{ids['one_on_one']}/action-items", admin, {"text": "Slow down on pricing", "owner_id": ids["rep"], "due_date": "2026-12-01"})["id"]
    ids["focus"] = client.call("POST", f"/v1/reps/{ids['rep']}/focus", admin, {"criterion": "discovery", "diagnosis": "Rushes discovery", "prescription": {"kind": "shadow", "text": "Shadow two calls"}, "target_score": 4})["id"]

    ids["webhook"] = client.call("POST", "/v1/webhooks", admin, {"url": "https://hooks.contract.example/filmroom", "event_types": ["call.ready"]})["webhook"]["id"]
    ids["spare_webhook"] = client.call("POST", "/v1/webhooks", admin, {"url": "https://hooks.contract.example/other", "event_types": ["call.failed"]})["webhook"]["id"]
    integration = client.call("POST", "/v1/integration-tokens", admin, {"name": "Dialer", "source": "dialer"})
    ids["integration_secret"] = integration["secret"]
    ids["spare_integration"] = client.call("POST", "/v1/integration-tokens", admin, {"name": "To revoke", "source": "dialer"})["token"]["id"]
    ids["pushed_call"] = client.call("POST", "/v1/integrations/calls", ids["integration_secret"], {"rep": {"email": "rep@contract.example"}, "external_ref": "contract-1", "recording_url": "https://dialer.contract.example/rec.wav"})["id"]
    return ids


def config(ids: dict[str, str], operations: set[tuple[str, str]]) -> str:
    """Schemathesis operation settings that point path parameters at seeded
    things, for each (METHOD, path) the document has."""
    by_path = {
        "/v1/users/{id}": {"id": ids["rep"]},
        "/v1/users/{id}/tokens": {"id": ids["rep"]},
        "/v1/users/{id}/follow-through": {"id": ids["rep"]},
        "/v1/tokens/{id}": {"id": ids["spare_token"]},
        "/v1/calls/{id}": {"id": ids["call"]},
        "/v1/calls/{id}/audio": {"id": ids["call"]},
        "/v1/calls/{id}/peaks": {"id": ids["call"]},
        "/v1/calls/{id}/comments": {"id": ids["call"]},
        "/v1/calls/{id}/transcript": {"id": ids["call"]},
        "/v1/comments/{id}": {"id": ids["comment"]},
        "/v1/reps/{rep}/weeks/{week}": {"rep": ids["rep"], "week": WEEK},
        "/v1/reps/{rep}/weeks/{week}/nominations/{slot}": {"rep": ids["rep"], "week": WEEK, "slot": "went_well"},
        "/v1/reps/{rep}/weeks/{week}/nominations/{slot}/state": {"rep": ids["rep"], "week": WEEK, "slot": "struggled"},
        "/v1/reps/{rep}/weeks/{week}/nominations/{slot}/scores": {"rep": ids["rep"], "week": WEEK, "slot": "struggled"},
        "/v1/reps/{rep}/progress": {"rep": ids["rep"]},
        "/v1/reps/{rep}/focus": {"rep": ids["rep"]},
        "/v1/teams/{manager}/weeks/{week}": {"manager": ids["manager"], "week": WEEK},
        "/v1/one-on-one-series/{id}": {"id": ids["series"]},
        "/v1/one-on-ones/{id}": {"id": ids["one_on_one"]},
        "/v1/one-on-ones/{id}/clips": {"id": ids["one_on_one"]},
        "/v1/one-on-ones/{id}/action-items": {"id": ids["one_on_one"]},
        "/v1/one-on-ones/{id}/state": {"id": ids["one_on_one"]},
        "/v1/one-on-ones/{id}/reel": {"id": ids["one_on_one"]},
        "/v1/clips/{id}": {"id": ids["clip"]},
        "/v1/action-items/{id}": {"id": ids["action_item"]},
        "/v1/focus/{id}": {"id": ids["focus"]},
        "/v1/webhooks/{id}": {"id": ids["webhook"]},
        "/v1/webhooks/{id}/deliveries": {"id": ids["webhook"]},
        "/v1/integration-tokens/{id}": {"id": ids["spare_integration"]},
        "/v1/integrations/calls/{id}": {"id": ids["pushed_call"]},
    }
    # Deleting the seeded call or webhook early would leave later operations
    # only 404s; deletes get spare ones.
    deletes = {"/v1/calls/{id}": ids["spare_call"], "/v1/webhooks/{id}": ids["spare_webhook"], "/v1/comments/{id}": ids["comment"]}
    blocks = []
    for path, params in by_path.items():
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"]:
            if (method, path) not in operations:
                continue
            values = dict(params)
            if method == "DELETE" and path in deletes:
                values["id"] = deletes[path]
            pairs = ", ".join(f'"path.{k}" = "{v}"' for k, v in values.items())
            # `include-name` is "METHOD /path"; separate path and method
            # filters would match either one.
            blocks.append(f'[[operations]]\ninclude-name = "{method} {path}"\nparameters = {{ {pairs} }}\n')
    return "\n".join(blocks)


def run(binary: pathlib.Path, base: str, token: str, config_file: pathlib.Path, max_examples: int, extra: list[str], workdir: str) -> int:
    command = [
        str(binary), "--config-file", str(config_file), "run", f"{base}/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", CHECKS,
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(max_examples),
        "--seed", "20261123",
        "--workers", "2",
        "--suppress-health-check", "filter_too_much,too_slow",
        "--request-timeout", "30",
        *extra,
    ]
    return subprocess.run(command, cwd=workdir).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FILMROOM_CONTRACT_EXAMPLES", "25")))
    args = parser.parse_args()

    st = schemathesis()
    binary = build()
    with tempfile.TemporaryDirectory(prefix="filmroom-contract-") as workdir:
        server = Server(binary, os.path.join(workdir, "data"))
        try:
            admin = server.bootstrap()
            ids = seed(Client(server.base), admin)
            config_file = pathlib.Path(workdir) / "schemathesis.toml"
            with urllib.request.urlopen(f"{server.base}/openapi.json", timeout=30) as response:
                document = json.load(response)
            operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
            config_file.write_text(config(ids, operations))
            log(f"server at {server.base}; seeded {len(ids)} things; running schemathesis {SCHEMATHESIS_VERSION}")
            failures = run(st, server.base, admin, config_file, args.max_examples, [], workdir)
            log("again with the integration token, over the integration endpoints")
            failures |= run(st, server.base, ids["integration_secret"], config_file, args.max_examples, ["--include-path-regex", "^/v1/integrations/calls"], workdir)
        finally:
            server.stop()
        panics = server.panics()
        if panics:
            log("the server panicked:\n" + "\n".join(panics))
            return 1
        if failures:
            log("schemathesis found failures (above)")
            return 1
        log("no 5xx, no schema or content-type violations, no panics")
        return 0


if __name__ == "__main__":
    sys.exit(main())
