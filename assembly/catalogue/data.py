"""The catalogue of the center's spotlight areas and promising practices, read from its data file.

The catalogue is product data kept in ``assembly/catalogue/data/catalogue.toml``. This module reads
it with :mod:`tomllib`, validates it with msgspec structs, checks the references between entries
(area slugs, parent practices, unique slugs) and offers small lookups. It imports no web framework
and no database, so it can be used by the database sync, the pages, the matcher and the tests alike.

Every text exists in English (``*_en``) and Norwegian Bokmål (``*_nb``); the helpers that take a
``locale`` return the Bokmål text for ``nb`` (and ``no``/``nn``) and the English text otherwise.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Final, Literal, get_args

import msgspec
from msgspec import Meta, Struct

__all__ = [
    "DEFAULT_PATH",
    "KINDS",
    "SECTIONS",
    "Catalogue",
    "CatalogueError",
    "Kind",
    "KindSlug",
    "Link",
    "Practice",
    "SectionSlug",
    "Source",
    "SpotlightArea",
    "is_norwegian",
    "kind_label",
    "load_catalogue",
    "parse_catalogue",
]

DEFAULT_PATH: Final = Path(__file__).with_name("data") / "catalogue.toml"

SLUG_PATTERN: Final = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Slug = Annotated[str, Meta(pattern=SLUG_PATTERN, max_length=120)]
Text = Annotated[str, Meta(min_length=1)]
Url = Annotated[str, Meta(pattern=r"^https?://\S+$")]
Year = Annotated[int, Meta(ge=1900, le=2100)]
Keywords = Annotated[list[Text], Meta(min_length=1)]

KindSlug = Literal[
    "research_project",
    "partner",
    "local_practice",
    "municipal_practice",
    "national_practice",
    "international_practice",
]
"""What an entry is. The center's sections decide it: research items are research projects, the
WHO expert group and the journal are partners, and local, municipal, national and international
practices come from the sections of those names."""

SectionSlug = Literal["research", "local", "national", "international"]
"""The section of the center's page an entry is listed in."""

_NORWEGIAN: Final = frozenset({"nb", "no", "nn"})


def is_norwegian(locale: str | None) -> bool:
    """True for Norwegian locales (``nb``, ``nb-NO``, ``no``, ``nn``...), which get Bokmål texts."""
    if not locale:
        return False
    return locale.replace("_", "-").split("-", 1)[0].lower() in _NORWEGIAN


def _pick(locale: str | None, en: str, nb: str) -> str:
    return nb if is_norwegian(locale) else en


class Kind(Struct, frozen=True):
    """A kind of catalogue entry with its labels in both languages."""

    slug: KindSlug
    label_en: str
    label_nb: str
    plural_en: str
    plural_nb: str

    def label(self, locale: str | None) -> str:
        return _pick(locale, self.label_en, self.label_nb)

    def plural(self, locale: str | None) -> str:
        return _pick(locale, self.plural_en, self.plural_nb)


KINDS: Final[tuple[Kind, ...]] = (
    Kind(
        "research_project",
        "Research project",
        "Forskningsprosjekt",
        "Research projects",
        "Forskningsprosjekter",
    ),
    Kind("partner", "Partner", "Partner", "Partners", "Partnere"),
    Kind(
        "local_practice", "Local practice", "Lokal praksis", "Local practices", "Lokale praksiser"
    ),
    Kind(
        "municipal_practice",
        "Municipal practice",
        "Kommunal praksis",
        "Municipal practices",
        "Kommunale praksiser",
    ),
    Kind(
        "national_practice",
        "National practice",
        "Nasjonal praksis",
        "National practices",
        "Nasjonale praksiser",
    ),
    Kind(
        "international_practice",
        "International practice",
        "Internasjonal praksis",
        "International practices",
        "Internasjonale praksiser",
    ),
)
KINDS_BY_SLUG: Final[dict[str, Kind]] = {kind.slug: kind for kind in KINDS}
assert set(KINDS_BY_SLUG) == set(get_args(KindSlug)), "every kind needs labels"

SECTIONS: Final[dict[str, tuple[str, str]]] = {
    "research": (
        "Research, partners and promising practices",
        "Forskning, partnere og lovende praksiser",
    ),
    "local": ("Local practices", "Lokale praksiser"),
    "national": ("National practices", "Nasjonale praksiser"),
    "international": ("International practices", "Internasjonale praksiser"),
}
"""Headings of the center's sections, in English and Bokmål."""


def kind_label(kind: str, locale: str | None = None) -> str:
    """The label of a kind slug in the given locale; raises KeyError for an unknown kind."""
    return KINDS_BY_SLUG[kind].label(locale)


class Link(Struct, frozen=True, forbid_unknown_fields=True):
    """A public page about a practice. ``lang`` is the language of the page itself."""

    label: Text
    url: Url
    label_nb: str = ""
    lang: Literal["en", "nb"] | None = None

    def label_in(self, locale: str | None) -> str:
        return _pick(locale, self.label, self.label_nb or self.label)


class Source(Struct, frozen=True, forbid_unknown_fields=True):
    """The center whose page the catalogue is drawn from."""

    name_en: Text
    name_nb: Text
    url_en: Url
    url_nb: Url

    def name(self, locale: str | None) -> str:
        return _pick(locale, self.name_en, self.name_nb)

    def url(self, locale: str | None) -> str:
        return _pick(locale, self.url_en, self.url_nb)


class SpotlightArea(Struct, frozen=True, forbid_unknown_fields=True):
    """One of the center's four spotlight areas."""

    slug: Slug
    name_en: Text
    name_nb: Text
    summary_en: Text
    summary_nb: Text
    keywords_en: Keywords
    keywords_nb: Keywords

    def name(self, locale: str | None) -> str:
        return _pick(locale, self.name_en, self.name_nb)

    def summary(self, locale: str | None) -> str:
        return _pick(locale, self.summary_en, self.summary_nb)

    def keywords(self, locale: str | None) -> list[str]:
        return self.keywords_nb if is_norwegian(locale) else self.keywords_en


class Practice(Struct, frozen=True, forbid_unknown_fields=True):
    """A research project, partner or promising practice from the center's lists.

    ``place`` is in English and ``place_nb`` in Bokmål; both are empty when the center's page
    names no place. ``year_end`` is absent for a single year (for example a publication year).
    """

    slug: Slug
    title_en: Text
    title_nb: Text
    kind: KindSlug
    section: SectionSlug
    areas: Annotated[list[Slug], Meta(min_length=1, max_length=3)]
    description_en: Text
    description_nb: Text
    keywords_en: Keywords
    keywords_nb: Keywords
    place: str = ""
    place_nb: str = ""
    lead_en: str = ""
    lead_nb: str = ""
    partners_en: list[Text] = msgspec.field(default_factory=list)
    partners_nb: list[Text] = msgspec.field(default_factory=list)
    funder_en: str = ""
    funder_nb: str = ""
    year_start: Year | None = None
    year_end: Year | None = None
    parent: Slug | None = None
    links: list[Link] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        # Both languages or neither: a page must never show a field in one language only.
        for name in ("place", "lead", "funder"):
            en = getattr(self, name if name == "place" else f"{name}_en")
            nb = getattr(self, f"{name}_nb")
            if bool(en) != bool(nb):
                raise ValueError(f"`{name}` needs both an English and a Norwegian text")
        if len(self.partners_en) != len(self.partners_nb):
            raise ValueError("`partners_en` and `partners_nb` must list the same partners")
        if len(set(self.areas)) != len(self.areas):
            raise ValueError("`areas` lists an area twice")
        if self.year_end is not None and self.year_start is None:
            raise ValueError("`year_end` needs a `year_start`")
        start, end = self.year_start, self.year_end
        if start is not None and end is not None and end < start:
            raise ValueError("`year_end` is before `year_start`")
        if self.parent == self.slug:
            raise ValueError("a practice cannot be its own `parent`")

    def title(self, locale: str | None) -> str:
        return _pick(locale, self.title_en, self.title_nb)

    def description(self, locale: str | None) -> str:
        return _pick(locale, self.description_en, self.description_nb)

    def keywords(self, locale: str | None) -> list[str]:
        return self.keywords_nb if is_norwegian(locale) else self.keywords_en

    def place_in(self, locale: str | None) -> str:
        return _pick(locale, self.place, self.place_nb)

    def lead(self, locale: str | None) -> str:
        return _pick(locale, self.lead_en, self.lead_nb)

    def funder(self, locale: str | None) -> str:
        return _pick(locale, self.funder_en, self.funder_nb)

    def partners(self, locale: str | None) -> list[str]:
        return self.partners_nb if is_norwegian(locale) else self.partners_en

    def kind_label(self, locale: str | None) -> str:
        return kind_label(self.kind, locale)

    @property
    def primary_area(self) -> str:
        """The first listed area, the one the practice serves most directly."""
        return self.areas[0]

    @property
    def years(self) -> str:
        """``"2021–2024"``, ``"2023"`` or ``""`` when the center's page gives no years."""
        if self.year_start is None:
            return ""
        if self.year_end is None or self.year_end == self.year_start:
            return str(self.year_start)
        return f"{self.year_start}–{self.year_end}"


class _CatalogueFile(Struct, forbid_unknown_fields=True):
    schema_version: Literal[1]
    source: Source
    areas: Annotated[list[SpotlightArea], Meta(min_length=1)]
    practices: Annotated[list[Practice], Meta(min_length=1)]


class CatalogueError(ValueError):
    """The catalogue file is unreadable or invalid; the message names the bad key."""


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The loaded catalogue: areas and practices in file order, with lookups by slug.

    Compared and hashed by identity, so that a loaded catalogue can key caches.
    """

    source: Source
    areas: tuple[SpotlightArea, ...]
    practices: tuple[Practice, ...]
    _areas_by_slug: dict[str, SpotlightArea] = field(init=False, repr=False, compare=False)
    _practices_by_slug: dict[str, Practice] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_areas_by_slug", {a.slug: a for a in self.areas})
        object.__setattr__(self, "_practices_by_slug", {p.slug: p for p in self.practices})

    def __len__(self) -> int:
        return len(self.practices)

    def __iter__(self) -> Iterator[Practice]:
        return iter(self.practices)

    @property
    def area_slugs(self) -> list[str]:
        return [a.slug for a in self.areas]

    @property
    def practice_slugs(self) -> list[str]:
        return [p.slug for p in self.practices]

    def area(self, slug: str) -> SpotlightArea:
        """The area with this slug; raises KeyError when there is none."""
        try:
            return self._areas_by_slug[slug]
        except KeyError:
            raise KeyError(f"no spotlight area {slug!r} in the catalogue") from None

    def practice(self, slug: str) -> Practice:
        """The practice with this slug; raises KeyError when there is none."""
        try:
            return self._practices_by_slug[slug]
        except KeyError:
            raise KeyError(f"no practice {slug!r} in the catalogue") from None

    def get_area(self, slug: str) -> SpotlightArea | None:
        return self._areas_by_slug.get(slug)

    def get_practice(self, slug: str) -> Practice | None:
        return self._practices_by_slug.get(slug)

    def filter(self, area: str | None = None, kind: str | None = None) -> list[Practice]:
        """Practices serving ``area`` and of ``kind`` (either may be None), in catalogue order."""
        return [
            p
            for p in self.practices
            if (area is None or area in p.areas) and (kind is None or p.kind == kind)
        ]

    def practices_in_area(self, area: str) -> list[Practice]:
        return self.filter(area=area)

    def practices_of_kind(self, kind: str) -> list[Practice]:
        return self.filter(kind=kind)

    def children(self, slug: str) -> list[Practice]:
        """Sub-projects whose ``parent`` is ``slug``."""
        return [p for p in self.practices if p.parent == slug]

    def kinds_present(self) -> list[Kind]:
        """The kinds that occur in the catalogue, in the order of :data:`KINDS`."""
        used = {p.kind for p in self.practices}
        return [k for k in KINDS if k.slug in used]

    def areas_of(self, practice: Practice) -> list[SpotlightArea]:
        return [self.area(slug) for slug in practice.areas]


_INDEXED_PATH = re.compile(r"^\$\.(areas|practices)\[(\d+)\]")


def _describe(path: str, raw: dict[str, Any]) -> str:
    """Turn msgspec's ``$.practices[3].kind`` into ``practices[3] (slug 'x').kind``."""
    match = _INDEXED_PATH.match(path)
    if not match:
        return path.removeprefix("$.") or "top level"
    table, index = match.group(1), int(match.group(2))
    rest = path[match.end() :]
    slug = None
    entries = raw.get(table)
    if isinstance(entries, list) and index < len(entries) and isinstance(entries[index], dict):
        slug = entries[index].get("slug")
    where = f"{table}[{index}]"
    if isinstance(slug, str):
        where += f" (slug {slug!r})"
    return where + rest


def _validation_error(exc: msgspec.ValidationError, raw: dict[str, Any], name: str) -> str:
    message = str(exc)
    detail, sep, path = message.rpartition(" - at `")
    if not sep:
        return f"{name}: {message}"
    return f"{name}: {detail} - at `{_describe(path.rstrip('`'), raw)}`"


def _duplicates(slugs: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for slug in slugs:
        if slug in seen and slug not in repeated:
            repeated.append(slug)
        seen.add(slug)
    return repeated


def _check_references(parsed: _CatalogueFile, name: str) -> None:
    errors: list[str] = []
    for table, slugs in (
        ("areas", [a.slug for a in parsed.areas]),
        ("practices", [p.slug for p in parsed.practices]),
    ):
        for slug in _duplicates(slugs):
            errors.append(f"{table}: slug {slug!r} is used more than once")
    area_slugs = {a.slug for a in parsed.areas}
    practices = {p.slug: p for p in parsed.practices}
    for index, practice in enumerate(parsed.practices):
        where = f"practices[{index}] (slug {practice.slug!r})"
        for area in practice.areas:
            if area not in area_slugs:
                errors.append(f"{where}.areas: unknown spotlight area {area!r}")
        if practice.parent is not None:
            parent = practices.get(practice.parent)
            if parent is None:
                errors.append(f"{where}.parent: unknown practice {practice.parent!r}")
            elif parent.parent is not None:
                errors.append(f"{where}.parent: {practice.parent!r} is itself a sub-project")
    if errors:
        raise CatalogueError(f"{name}: " + "; ".join(errors))


def parse_catalogue(text: str | bytes, *, name: str = "catalogue.toml") -> Catalogue:
    """Parse and validate catalogue TOML; raise :class:`CatalogueError` naming the bad key."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{name}: not valid TOML: {exc}") from exc
    try:
        parsed = msgspec.convert(raw, _CatalogueFile)
    except msgspec.ValidationError as exc:
        raise CatalogueError(_validation_error(exc, raw, name)) from exc
    _check_references(parsed, name)
    return Catalogue(
        source=parsed.source, areas=tuple(parsed.areas), practices=tuple(parsed.practices)
    )


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> Catalogue:
    # The file's mtime and size are part of the key, so an edited file is read again.
    return parse_catalogue(Path(path).read_bytes(), name=Path(path).name)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load the packaged catalogue (or the file at ``path``), cached until the file changes."""
    target = Path(path) if path is not None else DEFAULT_PATH
    try:
        stat = target.stat()
    except OSError as exc:
        raise CatalogueError(f"cannot read catalogue file {target}: {exc}") from exc
    return _load_cached(str(target.resolve()), stat.st_mtime_ns, stat.st_size)
