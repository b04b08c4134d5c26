"""Fitted models in the registry table, stored safely.

Models are serialised with skops (``skops.io``), which stores an object tree rather than
a pickle and loads only the types it is told to trust: a registry row cannot run code on
load. ``load_estimator`` trusts only scikit-learn and NumPy types from ``TRUSTED_PREFIXES``
and refuses anything else in the file, so a tampered row fails with a clear error.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

import skops.io as sio
from sklearn.base import BaseEstimator

TRUSTED_PREFIXES = ("sklearn.", "numpy.", "builtins.")


class UntrustedModelError(ValueError):
    """A serialised model names a type outside the trusted scikit-learn/NumPy set."""


def dump_estimator(estimator: BaseEstimator) -> bytes:
    return sio.dumps(estimator)


def load_estimator(data: bytes) -> BaseEstimator:
    untrusted = sio.get_untrusted_types(data=data)
    refused = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if refused:
        raise UntrustedModelError(f"serialised model names untrusted types: {refused}")
    return sio.loads(data, trusted=untrusted)


def canonical_content(model_bytes: bytes) -> bytes:
    """The skops archive's content without what changes from one save to the next.

    A skops file is a zip whose members are named by Python object ids and stamped with
    the time of saving; the same model saved twice differs in both. Each array member is
    renamed by the hash of its content (in the schema too) and other object ids are
    numbered in order, so equal models give equal bytes here.
    """
    with zipfile.ZipFile(io.BytesIO(model_bytes)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    schema = members.pop("schema.json").decode()
    renamed = {}
    for name, content in members.items():
        digest = hashlib.sha256(content).hexdigest()
        schema = schema.replace(name.removesuffix(".npy"), digest)
        renamed[digest] = content
    # other object ids in the schema (memo references): numbered in order of appearance
    seen: dict[str, str] = {}
    schema = re.sub(r"\b\d{10,}\b", lambda m: seen.setdefault(m.group(0), f"id{len(seen)}"), schema)
    parts = [schema.encode()] + [k.encode() + renamed[k] for k in sorted(renamed)]
    return b"\0".join(parts)


def model_version(model_bytes: bytes, settings: dict[str, object]) -> str:
    """Short content hash of the fitted model and everything that shaped it."""
    digest = hashlib.sha256(canonical_content(model_bytes))
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:12]
