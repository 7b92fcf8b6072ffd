"""Plan measure sheets (重点計画 Ⅲ．具体的施策): one sheet per 施策No. with its commitments."""

from __future__ import annotations

from ..pdf import PdfDocument, PdfSample
from .base import DocKind, Parsed


class PlanSheets(DocKind):
    name = "plan"
    aliases = ("plan_sheets",)
    description = "plan measure sheets (施策 No.N, ＜施策の概要＞, ＜現状＞, ＜課題＞, ＜今後の取組方針＞)"
