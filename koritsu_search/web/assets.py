"""The app's scripts, styles and theme: scripts and styles are package files under web/assets/."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any


@cache
def asset(name: str) -> str:
    """The text of web/assets/<name>."""
    return (files(__package__) / "assets" / name).read_text(encoding="utf-8")


def page_css() -> str:
    """Page-wide styles: the cards' styles (also scoped to each HTML block) and the layout's."""
    return asset("cards.css") + asset("page.css")


def theme() -> Any:
    """Gradio's default theme with colours that keep text at 4.5:1 or more, light and dark."""
    import gradio as gr

    return gr.themes.Default(primary_hue="blue").set(
        button_primary_background_fill="#1d4ed8",
        button_primary_background_fill_hover="#1e40af",
        button_primary_background_fill_dark="#1d4ed8",
        button_primary_background_fill_hover_dark="#1e3a8a",
        button_primary_text_color="#ffffff",
        button_primary_text_color_dark="#ffffff",
        input_placeholder_color="#5f6368",
        input_placeholder_color_dark="#b8bcc4",
        color_accent="#1d4ed8",
        color_accent_soft="#dbeafe",
        body_text_color_subdued="#4b5563",
        body_text_color_subdued_dark="#c4c8cf",
    )
