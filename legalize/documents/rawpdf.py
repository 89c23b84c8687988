"""Pre-formatted PDF objects for reportlab documents.

Objects that are the same in every document (font programs, font dictionaries, the cached
forms) are serialised once per process; per document only the numbers of the objects they
reference are filled in. reportlab's generic formatting costs about 0.1 ms per object, which
adds up to a third of a TTD's render time otherwise.
"""

from __future__ import annotations

from reportlab.pdfbase.pdfdoc import PDFObject, PDFObjectReference


class RawObject(PDFObject):  # type: ignore[misc]  # reportlab is untyped
    """An indirect object formatted once, with placeholders for its references.

    ``data`` holds placeholders such as ``@FILE@``; ``refs`` maps each to the internal name of
    the object it stands for in the document being written.
    """

    def __init__(self, data: bytes, refs: dict[bytes, str] | None = None) -> None:
        self.data = data
        self.refs = refs or {}

    def format(self, document: object) -> bytes:
        data = self.data
        for placeholder, name in self.refs.items():
            data = data.replace(placeholder, PDFObjectReference(name).format(document))
        return data


def raw_stream(dictionary: str, data: bytes, refs: dict[bytes, str] | None = None) -> RawObject:
    """A stream object: ``dictionary`` is the PDF dictionary body without /Length (which is
    added) and without the enclosing ``<< >>``."""
    head = f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode("latin-1")
    return RawObject(head + data + b"\nendstream", refs)
