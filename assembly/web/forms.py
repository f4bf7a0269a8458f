"""Form handling shared by every controller.

Forms are read leniently (every field optional, repeated keys as lists) and validated in the
services, which raise :class:`assembly.errors.InvalidInput` with messages per field.
Controllers re-render the form with what the person typed, so nothing they wrote is lost.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from litestar import Request
from litestar.exceptions import ClientException

from assembly.forms_common import FormData
from assembly.i18n import gettext as _

MAX_FORM_FIELDS = 2000


__all__ = ["MAX_FORM_FIELDS", "FormData", "read_form"]


def _require_utf8(body: bytes) -> None:
    """Refuse a URL-encoded body whose text is not UTF-8.

    The form parser would quietly turn such bytes into replacement characters and the garbled
    text would be stored; a person is better served by being told.
    """
    try:
        for pair in body.split(b"&"):
            for piece in pair.split(b"=", 1):
                unquote_to_bytes(piece.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ClientException(
            detail=_("The form is not valid text (UTF-8). Check what you typed and try again.")
        ) from exc


async def read_form(request: Request[Any, Any, Any]) -> FormData:
    content_type = request.headers.get("content-type", "")
    if not (
        content_type.startswith("application/x-www-form-urlencoded")
        or content_type.startswith("multipart/form-data")
    ):
        raise ClientException(detail="Forms must be sent as a web form.", status_code=415)
    if content_type.startswith("application/x-www-form-urlencoded"):
        _require_utf8(await request.body())
    try:
        form = await request.form()
    except (UnicodeDecodeError, ValueError) as exc:
        raise ClientException(detail="The form could not be read.") from exc
    values: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if len(lists) > MAX_FORM_FIELDS:
            raise ClientException(detail="The form has too many fields.")
        text = value if isinstance(value, str) else ""
        if "\x00" in text:
            raise ClientException(detail="The form contains characters that are not allowed.")
        lists.setdefault(key, []).append(text)
        values.setdefault(key, text)
    return FormData(values=values, lists=lists)
