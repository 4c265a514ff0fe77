"""What a DataMatrix scanner types for a GS1 unit."""

from __future__ import annotations

GTIN = "09506000134352"
GS = "\x1d"


def datamatrix(serial: str, lot: str | None = None, expiry: str | None = None,
               gtin: str = GTIN) -> str:
    """What a DataMatrix scanner types: symbology identifier, then GS-separated elements."""
    text = f"]d201{gtin}21{serial}"
    if lot:
        text += f"{GS}10{lot}"
    if expiry:
        text += f"{GS}17{expiry}"
    return text
