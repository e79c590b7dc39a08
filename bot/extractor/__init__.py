"""The claim extractor: a pure module (no I/O, no Discord, no SQL). See DESIGN.md for the output contract."""

from bot.extractor.pipeline import Extractor
from bot.extractor.types import Entity, Extraction, Figure, Quote

__all__ = ["Entity", "Extraction", "Extractor", "Figure", "Quote"]
