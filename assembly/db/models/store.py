"""Key-value rows for sessions and rate-limit counters shared by all workers."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.store import StoreModelMixin


class StoreItem(StoreModelMixin):
    __tablename__ = "store_items"
