"""Every route handler of the application, in one list for ``create_app``."""

from __future__ import annotations

from typing import Any

from assembly.accounts.controllers import AccountController
from assembly.catalogue.controllers import CatalogueController
from assembly.site.controllers import SiteController

WEB_HANDLERS: list[Any] = [SiteController, AccountController, CatalogueController]
API_HANDLERS: list[Any] = []
