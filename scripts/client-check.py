#!/usr/bin/env python3
"""Checks that a client generated from `openapi.yaml` works, as a dialer's would.

1. Generates a Python client with the pinned openapi-python-client and the
   repository's `openapi-python-client.yaml`, and fails on any warning the
   generator prints (a dropped endpoint, a response it cannot read, a
   content type it skips).
2. Fails when an `operationId` of `openapi.yaml` has no function in the
   client, or when a request body or a success response is declared without
   a schema (the generator then returns nothing on a 200, silently).
3. Starts `filmroom serve` on the embedded default and runs a short dialer
   flow through that client (`scripts/client_flow.py`): push, poll,
   transcript import, comments, an `Idempotency-Key` replay and an error
   parsed as problem+json.

Usage: scripts/client-check.py. Installs the generator into a virtualenv
under ~/.cache.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import re
import subprocess
import sys
import tempfile

GENERATOR_VERSION = "0.29.1"
RUFF_VERSION = "0.17.6"  # the generator formats what it writes with ruff
ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = "filmroom_client"


def log(message: str) -> None:
    print(f"client-check: {message}", flush=True)


def venv() -> pathlib.Path:
    path = pathlib.Path.home() / ".cache" / f"filmroom-openapi-client-{GENERATOR_VERSION}"
    marker = path / f".ruff-{RUFF_VERSION}"
    if not marker.exists():
        log(f"installing openapi-python-client {GENERATOR_VERSION} into {path}")
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run(
            [str(path / "bin" / "pip"), "install", "--quiet",
             f"openapi-python-client=={GENERATOR_VERSION}", f"ruff=={RUFF_VERSION}"],
            check=True,
        )
        marker.touch()
    return path


def generate(env_dir: pathlib.Path, out: pathlib.Path) -> None:
    env = dict(os.environ, PATH=f"{env_dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run(
        ["openapi-python-client", "generate", "--path", str(ROOT / "openapi.yaml"),
         "--config", str(ROOT / "openapi-python-client.yaml"), "--meta", "none",
         "--output-path", str(out / PACKAGE)],
        env=env, capture_output=True, text=True,
    )
    output = (result.stdout + result.stderr).strip()
    print(output)
    if result.returncode != 0:
        raise SystemExit(f"client-check: FAIL: the generator exited with {result.returncode}")
    if re.search(r"warning|skipping|missing|unsupported|cannot", output, re.IGNORECASE):
        raise SystemExit("client-check: FAIL: the generator warned; see above")


def document() -> dict:
    import json
    # The served document is the file (a test holds them equal); JSON is read
    # without a YAML library by asking the binary for it.
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", pathlib.Path.home() / ".cache" / "filmroom-target"))
    text = subprocess.run([str(target / "debug" / "filmroom"), "openapi", "--json"],
                          capture_output=True, text=True, check=True).stdout
    return json.loads(text)


def check_document(doc: dict, client_dir: pathlib.Path) -> int:
    problems = []
    operations = 0
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            operations += 1
            op_id = operation.get("operationId")
            if not op_id:
                problems.append(f"{method.upper()} {path} has no operationId")
                continue
            if not list((client_dir / "api").glob(f"*/{op_id}.py")):
                problems.append(f"{method.upper()} {path}: operationId {op_id} is not in the client")
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                if "schema" not in content:
                    problems.append(f"{method.upper()} {path}: request body {media} has no schema")
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                for media, content in response.get("content", {}).items():
                    if "schema" not in content:
                        problems.append(f"{method.upper()} {path}: {status} {media} has no schema")
    problems.extend(f"$ref {ref} points at nothing" for ref in dangling_refs(doc))
    if problems:
        raise SystemExit("client-check: FAIL:\n  " + "\n  ".join(problems))
    return operations


def dangling_refs(doc: dict) -> list[str]:
    refs: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    refs.add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    missing = []
    for ref in sorted(refs):
        node: object = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            missing.append(ref)
    return missing


def main() -> None:
    spec = importlib.util.spec_from_file_location("contract_check", ROOT / "scripts" / "contract-check.py")
    assert spec and spec.loader
    contract = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(contract)

    env_dir = venv()
    binary = contract.build()
    with tempfile.TemporaryDirectory() as work:
        out = pathlib.Path(work)
        generate(env_dir, out)
        count = check_document(document(), out / PACKAGE)
        log(f"the client has a function for each of the {count} operations; every body has a schema")

        server = contract.Server(binary, str(out / "data"))
        try:
            admin = server.bootstrap()
            flow = subprocess.run(
                [str(env_dir / "bin" / "python"), str(ROOT / "scripts" / "client_flow.py"),
                 server.base, admin, str(ROOT / "tests" / "fixtures" / "speech-8k-stereo-mulaw.wav")],
                env=dict(os.environ, PYTHONPATH=str(out)),
            )
            panics = server.panics()
        finally:
            server.stop()
        if panics:
            raise SystemExit("client-check: FAIL: the server panicked:\n" + "\n".join(panics))
        if flow.returncode != 0:
            raise SystemExit("client-check: FAIL: the dialer flow through the generated client failed")
    log("passed")


if __name__ == "__main__":
    main()
