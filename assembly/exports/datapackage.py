"""The tables of a research export, defined once: the Data Package descriptor and the README
codebook are both generated from these definitions, so they can never disagree.

The descriptor follows Frictionless Data Package v2: one Table Schema per CSV file with
field types, constraints, enums, primary keys and foreign keys, so ``frictionless validate``
checks the whole package, relations included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assembly.db.models.assemblies import ASSEMBLY_STATUSES, BALLOT_SECRECY, PHASES, TOPIC_KINDS
from assembly.db.models.ballots import BALLOT_CHANNELS
from assembly.db.models.participants import CHANNELS, JOINED_VIA
from assembly.db.models.proposals import ARGUMENT_STATUSES, PROPOSAL_STATUSES, REACTIONS, STANCES
from assembly.exports.drafting_tables import DRAFTING_TABLES
from assembly.exports.schema import (
    CREATED,
    Field,
    ForeignKey,
    Table,
)
from assembly.exports.schema import fk as _fk
from assembly.exports.schema import participant_field as _participant
from assembly.voting import METHODS

PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
PERSON_PATTERN = "^s_[0-9a-f]{16}$"
DEMOGRAPHICS_STATES = ("not_asked", "declined", "answered")
BREAKDOWNS = ("participants", "reactions", "turnout")
SUPPRESSION_STATES = ("", "primary", "secondary")
OUTCOMES = ("panel", "alternate", "not_selected")


METHOD_IDS = tuple(METHODS)

TABLES: tuple[Table, ...] = (
    Table(
        "assemblies",
        "Assemblies",
        "The assembly that was exported (one row).",
        (
            Field("assembly_id", "integer", "The assembly's id.", required=True, unique=True),
            Field("slug", "string", "Short name used in web addresses.", required=True),
            Field("title", "string", "The assembly's title.", required=True),
            Field("place", "string", "Where the assembly takes place."),
            Field("language", "string", "Main language (en or nb).", enum=("en", "nb")),
            Field("time_zone", "string", "IANA time zone of its meetings, e.g. Europe/Oslo."),
            Field("description", "string", "The public description."),
            Field("status", "string", "Publication status.", enum=ASSEMBLY_STATUSES),
            Field("invited_count", "integer", "Number of people invited.", minimum=0),
            Field(
                "demographic_questions",
                "array",
                "The optional demographic questions (key, label, answer options) as JSON.",
            ),
            CREATED,
            Field(
                "currency",
                "string",
                "ISO 4217 code of the amounts of budget topics (proposals.cost), e.g. NOK.",
                pattern="^[A-Z]{3}$",
            ),
        ),
        primary_key=("assembly_id",),
    ),
    Table(
        "topics",
        "Topics",
        "The questions the assembly deliberated and voted on.",
        (
            Field("topic_id", "integer", "The topic's id.", required=True, unique=True),
            Field(
                "assembly_id", "integer", "The assembly (assemblies.assembly_id).", required=True
            ),
            Field(
                "slug",
                "string",
                "Short name; names the topic's ballot and result files.",
                required=True,
            ),
            Field("position", "integer", "Order of the topic within the assembly."),
            Field("question", "string", "The question put to the assembly.", required=True),
            Field("background", "string", "Background text shown with the question."),
            Field("spotlight_area", "string", "Slug of the research center's spotlight area."),
            Field(
                "voting_method",
                "string",
                "Counting method (see the voting documentation).",
                enum=METHOD_IDS,
            ),
            Field("voting_params", "object", "The method's parameters as JSON."),
            Field("seats", "integer", "Number of winners for multi-winner methods.", minimum=1),
            Field(
                "ballot_secrecy",
                "string",
                "secret: ballots are not linked to participants.",
                enum=BALLOT_SECRECY,
            ),
            Field("phase", "string", "The topic's phase when exported.", enum=PHASES),
            Field("ballots_published", "boolean", "Whether the anonymised ballots were published."),
            Field("result_published", "boolean", "Whether a result was published (results.csv)."),
            Field(
                "ballots_exported",
                "boolean",
                "Whether the ballots are in this export (only after voting closed).",
            ),
            Field(
                "kind",
                "string",
                "topic: a question the assembly deliberated; motion: one vote of the drafting "
                "process, on an amendment or a final recommendation (see recommendation_votes).",
                enum=TOPIC_KINDS,
            ),
        ),
        primary_key=("topic_id",),
        foreign_keys=(_fk("assembly_id", "assemblies"),),
    ),
    Table(
        "participants",
        "Participants",
        "Everyone who joined, by pseudonym only: no names, contact details or codes.",
        (
            _participant(
                "Pseudonym valid in this export only (unless a stable key was chosen).", True
            ),
            Field(
                "assembly_id", "integer", "The assembly (assemblies.assembly_id).", required=True
            ),
            Field("joined_via", "string", "How the person joined.", enum=JOINED_VIA),
            Field(
                "channel",
                "string",
                "Whether the person takes part online or on paper.",
                enum=CHANNELS,
            ),
            Field(
                "demographics",
                "string",
                "Whether the person was asked the demographic questions and answered; "
                "the answers themselves appear only in demographic_breakdowns.",
                enum=DEMOGRAPHICS_STATES,
            ),
        ),
        primary_key=("participant_id",),
        foreign_keys=(_fk("assembly_id", "assemblies"),),
    ),
    Table(
        "proposals",
        "Proposals",
        "Proposals made on each topic; they are the options on the ballot.",
        (
            Field(
                "proposal_id",
                "integer",
                "The proposal's id; ballots name options by it.",
                required=True,
                unique=True,
            ),
            Field("topic_id", "integer", "The topic (topics.topic_id).", required=True),
            _participant("Author's pseudonym; empty for proposals the facilitators seeded."),
            Field("title", "string", "Title; empty when moderators hid the proposal."),
            Field("body", "string", "Text; empty when moderators hid the proposal."),
            Field(
                "status",
                "string",
                "visible, hidden by moderators, or merged into another.",
                enum=PROPOSAL_STATUSES,
            ),
            Field(
                "merged_into_id",
                "integer",
                "The proposal it was merged into (proposals.proposal_id).",
            ),
            CREATED,
            Field(
                "cost",
                "integer",
                "On budget topics: the project's cost as counted (set by the facilitators), "
                "in whole units of assemblies.currency.",
                minimum=1,
            ),
            Field(
                "estimated_cost",
                "integer",
                "On budget topics: the author's own estimate of the cost, if given.",
                minimum=1,
            ),
        ),
        primary_key=("proposal_id",),
        foreign_keys=(
            _fk("topic_id", "topics"),
            _fk("participant_id", "participants"),
            ForeignKey(("merged_into_id",), "", ("proposal_id",)),
        ),
    ),
    Table(
        "arguments",
        "Arguments",
        "Arguments for (pro) and against (con) proposals.",
        (
            Field("argument_id", "integer", "The argument's id.", required=True, unique=True),
            Field("proposal_id", "integer", "The proposal argued about.", required=True),
            _participant("Author's pseudonym."),
            Field("stance", "string", "pro or con.", enum=STANCES),
            Field("body", "string", "Text; empty when moderators hid the argument."),
            Field("status", "string", "visible or hidden by moderators.", enum=ARGUMENT_STATUSES),
            CREATED,
        ),
        primary_key=("argument_id",),
        foreign_keys=(_fk("proposal_id", "proposals"), _fk("participant_id", "participants")),
    ),
    Table(
        "reactions",
        "Reactions",
        "Each participant's latest agree, disagree or pass on a proposal, during deliberation.",
        (
            _participant("Who reacted.", True),
            Field("proposal_id", "integer", "The proposal reacted to.", required=True),
            Field("reaction", "string", "agree, disagree or pass.", required=True, enum=REACTIONS),
            Field(
                "vote",
                "integer",
                "The same as a number, as in Polis: 1 agree, -1 disagree, 0 pass.",
                enum=(-1, 0, 1),
            ),
            CREATED,
            Field("updated_at", "datetime", "When the reaction was last changed (UTC)."),
        ),
        primary_key=("participant_id", "proposal_id"),
        foreign_keys=(_fk("participant_id", "participants"), _fk("proposal_id", "proposals")),
    ),
    Table(
        "ballots",
        "Ballots",
        "Every ballot of the topics whose voting has closed. Secret ballots carry no participant "
        "and no time; rows are in the order of the ballots' random ids and numbered in that order.",
        (
            Field(
                "ballot_id",
                "integer",
                "Number of the ballot within this export.",
                required=True,
                unique=True,
                minimum=1,
            ),
            Field("topic_id", "integer", "The topic voted on.", required=True),
            Field("secrecy", "string", "secret or open.", enum=BALLOT_SECRECY),
            Field(
                "channel",
                "string",
                "online or paper; empty for secret ballots when a channel has fewer ballots "
                "than the suppression threshold on that topic.",
                enum=BALLOT_CHANNELS,
            ),
            _participant("The voter's pseudonym, for open ballots only."),
            Field(
                "content",
                "string",
                "The ballot as cast, as JSON (its shape depends on the method).",
            ),
            Field("counted", "boolean", "Whether the ballot was counted (see counted_content)."),
            Field(
                "counted_content",
                "string",
                "The ballot as counted, as JSON: marks for merged proposals moved to the proposal "
                "they were merged into, marks for hidden ones dropped. Empty when set aside.",
            ),
        ),
        primary_key=("ballot_id",),
        foreign_keys=(_fk("topic_id", "topics"), _fk("participant_id", "participants")),
    ),
    Table(
        "results",
        "Results",
        "Published results, one row per option: its tier in the ranking and whether it won.",
        (
            Field("topic_id", "integer", "The topic.", required=True),
            Field("proposal_id", "integer", "The option (proposals.proposal_id).", required=True),
            Field(
                "tier",
                "integer",
                "Place in the ranking; options tied share a tier (1 = best).",
                minimum=1,
            ),
            Field("elected", "boolean", "Whether the option won (was elected, adopted or funded)."),
            Field(
                "elected_order", "integer", "Order of election for multi-winner methods.", minimum=1
            ),
        ),
        primary_key=("topic_id", "proposal_id"),
        foreign_keys=(_fk("topic_id", "topics"), _fk("proposal_id", "proposals")),
    ),
    Table(
        "practice_links",
        "Practice links",
        "Promising practices from the center's catalogue linked to each topic.",
        (
            Field("topic_id", "integer", "The topic.", required=True),
            Field(
                "practice_slug", "string", "The practice's slug in the catalogue.", required=True
            ),
            Field("kind", "string", "Kind of practice."),
            Field("title_en", "string", "Title in English."),
            Field("title_nb", "string", "Title in Norwegian Bokmål."),
        ),
        primary_key=("topic_id", "practice_slug"),
        foreign_keys=(_fk("topic_id", "topics"),),
    ),
    Table(
        "table_plans",
        "Table plans",
        "Small-group table plans (who sat where is not exported).",
        (
            Field("table_plan_id", "integer", "The plan's id.", required=True, unique=True),
            Field("assembly_id", "integer", "The assembly.", required=True),
            Field("name", "string", "The plan's name."),
            Field("table_count", "integer", "Number of tables.", minimum=1),
            Field("round_count", "integer", "Number of rounds.", minimum=1),
        ),
        primary_key=("table_plan_id",),
        foreign_keys=(_fk("assembly_id", "assemblies"),),
    ),
    Table(
        "table_notes",
        "Table notes",
        "What each table said in each round, as noted by a facilitator.",
        (
            Field("table_note_id", "integer", "The note's id.", required=True, unique=True),
            Field("table_plan_id", "integer", "The table plan.", required=True),
            Field("round_number", "integer", "Round, from 1.", minimum=1),
            Field("table_number", "integer", "Table, from 1.", minimum=1),
            Field("key_points", "string", "Key points."),
            Field("agreements", "string", "Where the table agreed."),
            Field("dissent", "string", "Where the table disagreed."),
            Field("proposal_ids", "array", "Proposals the note is about, as a JSON list of ids."),
        ),
        primary_key=("table_note_id",),
        foreign_keys=(_fk("table_plan_id", "table_plans"),),
    ),
    Table(
        "speaking_equity",
        "Speaking equity",
        "How evenly each table shared its speaking turns in a meeting's round, counted by the "
        "table host only where the table agreed. Per table, never per person; where fewer than "
        "k people were counted, the figures that could reveal one person's turns are empty "
        "(see suppression_log).",
        (
            Field("meeting_id", "integer", "The meeting.", required=True),
            Field("round_number", "integer", "Round of the table plan, from 1.", minimum=1),
            Field("table_number", "integer", "Table, from 1.", minimum=1),
            Field("people_counted", "integer", "People whose turns were counted.", minimum=0),
            Field("turns", "integer", "Turns counted in all; empty when suppressed.", minimum=0),
            Field(
                "equity",
                "number",
                "1 minus the Gini coefficient of turns (normalised for the table's size): 1 is "
                "perfectly even, 0 is one person taking every turn; empty when suppressed.",
                minimum=0,
                maximum=1,
            ),
            Field(
                "fewest_turns", "integer", "Turns of the quietest person; empty when suppressed."
            ),
            Field("most_turns", "integer", "Turns of the most talkative; empty when suppressed."),
        ),
        primary_key=("meeting_id", "round_number", "table_number"),
    ),
    Table(
        "demographic_breakdowns",
        "Demographic breakdowns",
        "Counts by answer to each demographic question, with small cells suppressed: a count "
        "from 1 to k-1 (k being the threshold) is empty, and further cells are emptied so "
        "that no row or column total reveals one (see suppression_log).",
        (
            Field(
                "breakdown",
                "string",
                "participants: people by answer and channel; reactions: reactions to a proposal "
                "by answer; turnout: who voted on a topic by answer.",
                required=True,
                enum=BREAKDOWNS,
            ),
            Field(
                "subject_id",
                "integer",
                "assembly_id, proposal_id or topic_id, by breakdown.",
                required=True,
            ),
            Field("question", "string", "The demographic question's key.", required=True),
            Field(
                "group",
                "string",
                "The answer; (no answer) for people who declined or skipped; (all) for totals.",
                required=True,
            ),
            Field(
                "measure",
                "string",
                "The column: channel, reaction, voted or did_not_vote; (all) for totals.",
                required=True,
            ),
            Field(
                "count",
                "integer",
                "Number of people or reactions; empty when suppressed.",
                minimum=0,
            ),
            Field(
                "suppressed", "string", "Why the count is empty, if it is.", enum=SUPPRESSION_STATES
            ),
        ),
        primary_key=("breakdown", "subject_id", "question", "group", "measure"),
    ),
    Table(
        "suppression_log",
        "Suppression log",
        "Every count this export withheld, and why.",
        (
            Field("resource", "string", "The table the count belongs to.", required=True),
            Field(
                "cell", "string", "Which count: the table's key values joined by /.", required=True
            ),
            Field(
                "reason",
                "string",
                "primary: from 1 to k-1; secondary: withheld to protect a primary cell.",
                required=True,
                enum=("primary", "secondary"),
            ),
            Field("threshold", "integer", "The threshold k in force.", minimum=1),
        ),
    ),
    Table(
        "sortition_selections",
        "Sortition draws",
        "Stratified draws of the panel: settings and fairness figures (the pool is not exported).",
        (
            Field("selection_id", "integer", "The draw's id.", required=True, unique=True),
            Field("assembly_id", "integer", "The assembly.", required=True),
            Field("status", "string", "State of the draw."),
            Field("algorithm", "string", "Selection algorithm (maximin or nash)."),
            Field("seed", "integer", "Seed of the lottery, to re-run the draw."),
            Field("panel_size", "integer", "Number of panel seats.", minimum=0),
            Field("pool_size", "integer", "Number of people in the pool.", minimum=0),
            Field(
                "min_probability",
                "number",
                "Lowest selection probability in the pool.",
                minimum=0,
                maximum=1,
            ),
            Field(
                "mean_probability", "number", "Mean selection probability.", minimum=0, maximum=1
            ),
            Field("ideal_probability", "number", "Panel size / pool size.", minimum=0, maximum=1),
            Field(
                "record", "object", "Reproducibility record: input hashes, library versions, seed."
            ),
        ),
        primary_key=("selection_id",),
        foreign_keys=(_fk("assembly_id", "assemblies"),),
        optional=True,
    ),
    Table(
        "sortition_probabilities",
        "Selection probabilities",
        "Each pool member's probability of selection, by a pseudonym of their pool id.",
        (
            Field("selection_id", "integer", "The draw.", required=True),
            Field(
                "person_id",
                "string",
                "Pseudonym of the pool member.",
                required=True,
                pattern=PERSON_PATTERN,
            ),
            Field("probability", "number", "Probability of being selected.", minimum=0, maximum=1),
            Field(
                "outcome",
                "string",
                "Whether the person was drawn for the panel or as an alternate.",
                enum=OUTCOMES,
            ),
        ),
        primary_key=("selection_id", "person_id"),
        foreign_keys=(_fk("selection_id", "sortition_selections"),),
        optional=True,
    ),
    Table(
        "sortition_quotas",
        "Sortition quotas",
        "The quota for each feature value and how many were selected and in the pool "
        "(small counts suppressed).",
        (
            Field("selection_id", "integer", "The draw.", required=True),
            Field("feature", "string", "Feature, e.g. age.", required=True),
            Field("value", "string", "Feature value, e.g. 30-59.", required=True),
            Field("min", "integer", "Quota minimum.", minimum=0),
            Field("max", "integer", "Quota maximum.", minimum=0),
            Field("selected", "integer", "Number selected; empty when suppressed.", minimum=0),
            Field("pool", "integer", "Number in the pool; empty when suppressed.", minimum=0),
        ),
        primary_key=("selection_id", "feature", "value"),
        foreign_keys=(_fk("selection_id", "sortition_selections"),),
        optional=True,
    ),
)
TABLES += DRAFTING_TABLES
TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}


@dataclass
class FileFacts:
    """Size and SHA-256 of a written file, recorded in the descriptor for integrity checks."""

    bytes: int
    sha256: str


@dataclass
class PackageInfo:
    slug: str
    title: str
    created: dt.datetime
    privacy: dict[str, Any]
    ballot_files: list[str] = field(default_factory=list)
    result_files: list[str] = field(default_factory=list)


def descriptor(
    info: PackageInfo,
    tables: Sequence[Table],
    files: Mapping[str, FileFacts] | None = None,
    *,
    suffix: str = ".csv",
) -> dict[str, Any]:
    """The ``datapackage.json`` of an export (for JSON Lines, the same with ``.jsonl`` paths)."""
    resources: list[dict[str, Any]] = []
    for table in tables:
        path = table.path(suffix)
        resource: dict[str, Any] = {
            "$schema": RESOURCE_PROFILE,
            "name": table.name,
            "type": "table",
            "title": table.title,
            "description": table.description,
            "path": path,
        }
        if suffix == ".csv":
            resource.update(format="csv", mediatype="text/csv", encoding="utf-8")
            resource["dialect"] = {"header": True, "delimiter": ",", "quoteChar": '"'}
        else:
            resource.update(format="jsonl", mediatype="application/jsonl", encoding="utf-8")
        facts = (files or {}).get(path)
        if facts is not None:
            resource["bytes"] = facts.bytes
            resource["hash"] = f"sha256:{facts.sha256}"
        resource["schema"] = table.schema()
        resources.append(resource)
    return {
        "$schema": PACKAGE_PROFILE,
        "name": f"assembly-{info.slug}",
        "title": f"{info.title}: research export",
        "description": (
            "Pseudonymised data of a citizens' assembly run with Assembly. See README.md for the "
            "codebook and the recount procedure."
        ),
        "created": info.created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "keywords": ["citizens' assembly", "deliberation", "voting", "WellFare"],
        "resources": resources,
        "assembly:privacy": info.privacy,
        "assembly:ballotFiles": info.ballot_files,
        "assembly:resultFiles": info.result_files,
    }


FORMULA_ESCAPING = [
    "## Text cells that look like formulas",
    "",
    "A spreadsheet runs a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return as "
    "a formula. So a text cell that begins with one of these (after any apostrophes) is written "
    "with one more apostrophe (`'`) in front: `=SUM(1)` is stored as `'=SUM(1)`. Spreadsheets "
    "hide that apostrophe. Plain numbers such as `-3` are not changed. To get the original text "
    "in a program, remove one leading apostrophe from every text cell that begins with "
    "apostrophes followed by one of those characters (`assembly.csv_cells.unescape_cell`). The "
    "JSON files (ballots, results) are never escaped.",
    "",
]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codebook(
    info: PackageInfo,
    tables: Iterable[Table],
    *,
    suffix: str = ".csv",
    extra_sections: Sequence[str] = (),
) -> str:
    """The README: what the package holds, its privacy record, the recount, and every column."""
    privacy = info.privacy
    pseudonyms = privacy.get("pseudonymisation", {})
    suppression = privacy.get("suppression", {})
    lines = [
        f"# {info.title}: research export",
        "",
        f"Exported from Assembly on {info.created.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "## Privacy",
        "",
        "- No names, e-mail addresses, invite codes, invitation labels, session data or IP "
        "addresses are exported. Participants appear only as pseudonyms.",
        f"- Pseudonyms: {pseudonyms.get('description', '')}",
        "- Secret ballots carry no participant and no time, and are listed in a random order.",
        f"- Demographic counts from 1 to k-1 (k = {suppression.get('k', '')}) are withheld "
        "(zeros are shown), with secondary "
        f"suppression so that totals do not reveal them: {suppression.get('cells', 0)} cells "
        f"withheld ({suppression.get('primary', 0)} primary, {suppression.get('secondary', 0)} "
        "secondary). The list is in suppression_log.",
        "- Proposals and arguments hidden by moderators keep their row but not their text.",
        "",
        "## Recount",
        "",
        "`ballots/<topic>.json` holds each closed topic's ballots exactly as they were counted, "
        "in the engine's format (method, options, seats, params, ballots); ranked methods also get "
        "`ballots/<topic>.blt` for STV programs. `results/<topic>.json` holds the published "
        "result. To check every published result:",
        "",
        "    assembly recount PACKAGE_DIR",
        "",
        "or one topic: `assembly tally METHOD --ballots ballots/<topic>.json`.",
        "",
    ]
    if suffix == ".csv":
        lines.extend(FORMULA_ESCAPING)
    lines.extend(extra_sections)
    lines.extend(["## Tables", ""])
    for table in tables:
        lines.append(f"### {table.path(suffix)}: {table.title}")
        lines.append("")
        lines.append(table.description)
        lines.append("")
        if table.primary_key:
            lines.append(f"Primary key: {', '.join(table.primary_key)}.")
        for fk in table.foreign_keys:
            target = fk.resource or table.name
            lines.append(
                f"Foreign key: {', '.join(fk.fields)} → {target}.{', '.join(fk.reference)}."
            )
        lines.append("")
        lines.append("| Column | Type | Constraints | Meaning |")
        lines.append("|---|---|---|---|")
        for f in table.fields:
            constraints = _cell(f.codebook_constraints())
            lines.append(f"| {f.name} | {f.type} | {constraints} | {_cell(f.description)} |")
        lines.append("")
    return "\n".join(lines)
