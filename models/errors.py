"""Typed errors of the model supply chain. Messages name the model and the fix."""
from __future__ import annotations


class ModelError(Exception):
    """Base of every model supply-chain error."""


class ManifestError(ModelError):
    """The manifest is malformed or names an unknown model."""


class FetchError(ModelError):
    """A source package could not be fetched through its package client."""


class IntegrityError(ModelError):
    """A file's sha256 or size is not what the manifest (or the pull record) says."""


class ModelMissingError(ModelError):
    """A model has not been pulled into the cache."""


class ConversionError(ModelError):
    """Conversion to ONNX failed, or the converted model disagrees with its original."""


class BundleError(ModelError):
    """An offline bundle is unreadable, incomplete or tampered with."""
