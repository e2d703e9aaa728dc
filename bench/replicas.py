"""A real S3 API on 127.0.0.1 (moto_server) and the real replicator, for replication tests.

Every subprocess gets an environment built here, never ours: this machine's
AWS_CA_BUNDLE (and anything else) must not reach Litestream or moto.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from bench.servers import ROOT, free_port, wait_for, wait_until_up

BIN = Path(sys.executable).parent
# Distinctive fake credentials: tests search every log line for them.
ACCESS_KEY = "AKIATESTREPLICA7Q2Z"
SECRET_KEY = "replica-secret-9f8e7d6c5b4a3210zyxw"


def base_environment(home: Path) -> dict[str, str]:
    """What every test subprocess starts from: a PATH with this venv, a HOME, nothing else."""
    return {"PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}


class MotoS3:
    """`moto_server` on a free port of 127.0.0.1; buckets made and read with plain HTTP."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / "moto.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> MotoS3:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            env=base_environment(self.log.parent),
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until_up(
            self.process, self.log, lambda: urllib.request.urlopen(self.endpoint, timeout=2).read()
        )
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(10)

    def new_bucket(self) -> str:
        name = f"prompts-{uuid.uuid4().hex[:12]}"
        urllib.request.urlopen(
            urllib.request.Request(f"{self.endpoint}/{name}", method="PUT"), timeout=10
        ).read()
        return name

    def client(self):
        """A boto3 client of this server (signed requests: moto refuses anonymous reads)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            verify=False,  # plain HTTP on 127.0.0.1; and never this machine's AWS_CA_BUNDLE
        )

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object of the bucket, its bytes by key."""
        client = self.client()
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        found = {}
        for key in keys:
            try:
                found[key] = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            except client.exceptions.NoSuchKey:  # deleted by retention since the listing
                pass
        return found


def replica_settings(s3: MotoS3, bucket: str, **extra: str) -> dict[str, str]:
    """The STRUCKDOWN_REPLICA_* and AWS_* settings of a replica in `bucket`."""
    return {
        "STRUCKDOWN_REPLICA_URL": f"s3://{bucket}/prompts",
        "STRUCKDOWN_REPLICA_ENDPOINT": s3.endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        **extra,
    }


def cli_environment(db_path: Path, settings: dict[str, str]) -> dict[str, str]:
    """The environment of a `prompt-store` process on `db_path` with these settings."""
    return {
        **base_environment(db_path.parent.parent),
        "STRUCKDOWN_PROMPT_DB": str(db_path),
        **settings,
    }


def prompt_store(db_path: Path, settings: dict[str, str], *args: str, check=True):
    """Run the real `prompt-store` CLI in a subprocess; return the CompletedProcess."""
    done = subprocess.run(
        [str(BIN / "prompt-store"), *args],
        cwd=ROOT,
        env=cli_environment(db_path, settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"prompt-store {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done


class Replicator:
    """`prompt-store replicate` (the Procfile's replicator) as a real process."""

    def __init__(self, db_path: Path, settings: dict[str, str], log: Path, group: int = 0):
        self.db_path, self.settings, self.log, self.group = db_path, settings, log, group
        self.process: subprocess.Popen | None = None

    def start(self, wait: bool = True, **extra_env: str) -> Replicator:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(BIN / "prompt-store"), "replicate"],
            cwd=ROOT,
            env={**cli_environment(self.db_path, self.settings), **extra_env},
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            process_group=self.group,  # 0: a group of its own; else join that one
        )
        if wait:
            socket = self.db_path.with_name(f"{self.db_path.name}.litestream.sock")
            wait_for(socket.exists, 30, lambda: f"the replicator did not start:\n{self.text()}")
        return self

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            return self.process.wait(30)
        return self.process.returncode if self.process else None

    def text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""
