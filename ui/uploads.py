"""File uploaders that speak the reader's language: Streamlit's own button and size line are
English whatever the language, so each uploader is drawn with the catalog's words in their place
(ui/streamlit_internals.uploader_style)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from ui.i18n import listed, t
from ui.streamlit_internals import uploader_style


def upload_box(label: str, *, types: Sequence[str], key: str, multiple: bool = False) -> Any:
    """st.file_uploader for files of `types` (extensions, without the dot), its words in the reader's
    language; returns what st.file_uploader returns (a file, a list of them, or None)."""
    size = int(st.get_option("server.maxUploadSize"))
    kinds = listed(kind.upper() for kind in types)
    st.html(uploader_style(key, button=t("upload.button"), limits=t("upload.limits", size=size, types=kinds)))
    return st.file_uploader(label, type=list(types), accept_multiple_files=multiple, key=key)
