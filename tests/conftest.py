"""Settings shared by every test: a test stage, fast bcrypt, fake AWS credentials."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

os.environ.update(
    {
        "TASKAPP_STAGE": "test",
        "BCRYPT_COST": "4",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "LOG_LEVEL": "INFO",
        # Tests write far faster than a person: the limit's own test sets it low.
        "TASK_WRITE_MAX_PER_USER": "100000",
    }
)
os.environ.pop("DYNAMODB_ENDPOINT_URL", None)

# The Chalice project is not a package: make ``app`` and ``chalicelib`` importable; the
# local/'s scripts (``dynamodb_emulator``, ``scheduler``) likewise; the launcher is the
# package ``local.stack``, importable from the repository root.
sys.path.insert(0, str(ROOT / "functions"))
sys.path.insert(1, str(ROOT / "local"))
