"""legalize: the issuing service for temporary travel documents and legalizations."""

__version__ = "0.1.0"
