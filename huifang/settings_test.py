"""Settings for the test suite: the production settings with HUIFANG_ENV=test.

DATABASE_URL still chooses the database, so the same suite runs on SQLite
and on PostgreSQL.
"""

import os
import tempfile

os.environ["HUIFANG_ENV"] = "test"
os.environ.setdefault("HUIFANG_VAR_DIR", tempfile.mkdtemp(prefix="huifang-test-"))

from huifang.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
HUEY["immediate"] = True  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise warns otherwise)
