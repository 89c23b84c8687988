"""The exceptions of the documents subsystem: "could not process", each with a clear message."""

from __future__ import annotations


class DocumentError(ValueError):
    """Base class: a document cannot be rendered from the given input."""


class PhotoError(DocumentError):
    """The holder photo is not a readable JPEG or PNG of sensible size."""


class UnderlyingDocumentError(DocumentError):
    """The underlying document of a legalization is refused.

    ``code`` is a stable string for programs (never renamed); the message is for people.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
