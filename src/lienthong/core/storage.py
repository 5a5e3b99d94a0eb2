"""Where files live: the settings of an S3-compatible object store (docs/deployment.md).

Read by the settings module, so it imports nothing of Django's models.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured

__all__ = ["object_storage"]


def object_storage(url: str, *, access_key: str = "", secret_key: str = "") -> dict[str, Any]:
    """``STORAGES["default"]`` for ``s3://<bucket>[/<prefix>]?endpoint=<url>&region=<name>``
    (``addressing=virtual`` for a bucket in the host name; path style otherwise)."""
    from botocore.config import Config

    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme != "s3" or not parts.netloc:
        raise ImproperlyConfigured(
            "STORAGE_URL must look like s3://bucket?endpoint=https://host:port"
        )
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": parts.netloc,
            "location": parts.path.strip("/"),
            "endpoint_url": query.get("endpoint") or None,
            "region_name": query.get("region", "us-east-1"),
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "addressing_style": "virtual" if query.get("addressing") == "virtual" else "path",
            "signature_version": "s3v4",
            "default_acl": None,  # the bucket's own policy: private
            # Every stored name is made unique (128 random bits, or a job's own folder), so
            # no name is looked up before a write: without this each upload would cost
            # two HEAD requests besides its PUT (measured in docs/performance.md).
            "file_overwrite": True,
            "querystring_auth": True,  # no object is ever public
            # Checksums only where S3 requires them: the servers a province may run
            # (MinIO, Ceph, rclone, Garage…) do not all speak the newer trailing ones.
            "client_config": Config(
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }
