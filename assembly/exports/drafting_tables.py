"""The research export's tables for the drafting process and the follow-up: recommendations,
their clauses and sources, amendments, the votes on both, minority statements, responses and
status updates. Every vote's ballots are in ``ballots.csv`` and ``ballots/<motion>.json`` with
the topics' (a vote is a topic of kind "motion"), so ``assembly recount`` checks them too."""

from __future__ import annotations

from assembly.db.models.recommendations import ABSTENTION_RULES, AMENDMENT_KINDS, AMENDMENT_STATUSES
from assembly.db.models.responses import PROGRESS_STATES, RESPONSE_STANCES
from assembly.exports.schema import CREATED, Field, Table, fk, participant_field

LINK_KINDS = ("proposal", "table_note", "practice")
VOTE_SUBJECTS = ("recommendation", "amendment")


def _recommendation(description: str = "The recommendation (recommendations).") -> Field:
    return Field("recommendation_id", "integer", description, required=True)


DRAFTING_TABLES: tuple[Table, ...] = (
    Table(
        "recommendations",
        "Recommendations",
        "What the assembly recommended: one row per recommendation, with its text as it stands "
        "(the clauses are in recommendation_clauses).",
        (
            Field(
                "recommendation_id",
                "integer",
                "The recommendation's id.",
                required=True,
                unique=True,
            ),
            Field("assembly_id", "integer", "The assembly.", required=True),
            Field("number", "integer", "Its number in the assembly, from 1.", minimum=1),
            Field("title", "string", "Its title.", required=True),
            Field("rationale", "string", "Why the assembly recommends it."),
            Field("revision", "integer", "How many states its text has had.", minimum=1),
            Field("vote_topic_id", "integer", "Its final vote (topics.topic_id, a motion)."),
            Field(
                "voting_revision",
                "integer",
                "The revision of the text the final vote was opened on.",
                minimum=1,
            ),
            CREATED,
        ),
        primary_key=("recommendation_id",),
        foreign_keys=(fk("assembly_id", "assemblies"), fk("vote_topic_id", "topics", "topic_id")),
    ),
    Table(
        "recommendation_clauses",
        "Clauses",
        "Every clause of every recommendation, deleted ones included; a clause's version grows "
        "with each change.",
        (
            Field("clause_id", "integer", "The clause's id.", required=True, unique=True),
            _recommendation(),
            Field(
                "number",
                "integer",
                "Its number in the text as it stands; empty when deleted.",
                minimum=1,
            ),
            Field(
                "text", "string", "Its text as it stands (or stood when deleted).", required=True
            ),
            Field("version", "integer", "How many times it changed, from 1.", minimum=1),
            Field("deleted", "boolean", "Whether an amendment deleted it."),
        ),
        primary_key=("clause_id",),
        foreign_keys=(fk("recommendation_id", "recommendations"),),
    ),
    Table(
        "recommendation_links",
        "What recommendations draw on",
        "The proposals a recommendation grew from, the table notes and the catalogue practices "
        "it draws on.",
        (
            _recommendation(),
            Field("kind", "string", "What is linked.", required=True, enum=LINK_KINDS),
            Field(
                "target",
                "string",
                "proposals.proposal_id, table_notes.table_note_id or the practice's slug.",
                required=True,
            ),
        ),
        primary_key=("recommendation_id", "kind", "target"),
        foreign_keys=(fk("recommendation_id", "recommendations"),),
    ),
    Table(
        "amendments",
        "Amendments",
        "Changes members proposed to a clause, with the clause's text as it was when they wrote "
        "them, and what became of them.",
        (
            Field("amendment_id", "integer", "The amendment's id.", required=True, unique=True),
            _recommendation(),
            Field("number", "integer", "Its number within the recommendation, from 1.", minimum=1),
            Field("kind", "string", "What it does to the clause.", enum=AMENDMENT_KINDS),
            Field(
                "clause_id",
                "integer",
                "replace, delete: the clause; insert: the clause the new one follows (empty: "
                "first).",
            ),
            Field("base_version", "integer", "The clause's version when it was written."),
            Field("base_text", "string", "The clause's text when it was written."),
            Field("text", "string", "The proposed text (replace, insert)."),
            Field("reason", "string", "Why, in the author's words."),
            participant_field("The author's pseudonym; empty for a facilitator."),
            Field(
                "status",
                "string",
                "proposed, voting, adopted (merged), rejected, conflict (its clause changed "
                "since it was written: not merged), withdrawn or lapsed (never voted on).",
                enum=AMENDMENT_STATUSES,
            ),
            Field("vote_topic_id", "integer", "Its vote (topics.topic_id, a motion)."),
            Field("merged_revision", "integer", "The revision of the text it made, if adopted."),
            CREATED,
        ),
        primary_key=("amendment_id",),
        foreign_keys=(
            fk("recommendation_id", "recommendations"),
            fk("clause_id", "recommendation_clauses"),
            fk("participant_id", "participants"),
            fk("vote_topic_id", "topics", "topic_id"),
        ),
    ),
    Table(
        "recommendation_votes",
        "Votes on recommendations and amendments",
        "Each counted vote of the drafting process as the voting engine decided it "
        "(yes/no/abstain against the published threshold). Its ballots are in ballots.csv "
        "under its topic_id and in ballots/<slug>.json; its tally in results/<slug>.json.",
        (
            Field("topic_id", "integer", "The vote (topics.topic_id, a motion).", required=True),
            _recommendation(),
            Field("amendment_id", "integer", "The amendment voted on; empty for the final vote."),
            Field("subject", "string", "What was voted on.", enum=VOTE_SUBJECTS),
            Field("threshold", "string", "Support needed, as a fraction (4/5 is 80 %)."),
            Field(
                "abstentions",
                "string",
                "excluded: support is yes among yes and no; counted: among all answers.",
                enum=ABSTENTION_RULES,
            ),
            Field("yes", "integer", "Yes votes.", minimum=0),
            Field("no", "integer", "No votes.", minimum=0),
            Field("abstain", "integer", "Abstentions.", minimum=0),
            Field("support", "number", "Share of support as counted.", minimum=0, maximum=1),
            Field("adopted", "boolean", "Whether the support reached the threshold."),
            Field("ballots", "integer", "Ballots counted.", minimum=0),
        ),
        primary_key=("topic_id",),
        foreign_keys=(
            fk("topic_id", "topics"),
            fk("recommendation_id", "recommendations"),
            fk("amendment_id", "amendments"),
        ),
    ),
    Table(
        "minority_statements",
        "Minority statements",
        "Views members hold against a recommendation; shown once they have the assembly's "
        "minimum number of signatures.",
        (
            Field("statement_id", "integer", "The statement's id.", required=True, unique=True),
            _recommendation(),
            Field("text", "string", "The statement.", required=True),
            participant_field("The author's pseudonym."),
            Field(
                "signatures", "integer", "Members who signed it (the author included).", minimum=0
            ),
            Field("shown", "boolean", "Whether it had enough signatures to be shown."),
            CREATED,
        ),
        primary_key=("statement_id",),
        foreign_keys=(
            fk("recommendation_id", "recommendations"),
            fk("participant_id", "participants"),
        ),
    ),
    Table(
        "minority_signatures",
        "Signatures of minority statements",
        "Who signed each minority statement, by pseudonym.",
        (
            Field("statement_id", "integer", "The statement.", required=True),
            participant_field("The signer's pseudonym.", True),
        ),
        primary_key=("statement_id", "participant_id"),
        foreign_keys=(
            fk("statement_id", "minority_statements"),
            fk("participant_id", "participants"),
        ),
    ),
    Table(
        "responses",
        "Responses",
        "The commissioning body's response to each recommendation, every version kept (the "
        "highest version is in force).",
        (
            Field("response_id", "integer", "The version's id.", required=True, unique=True),
            _recommendation(),
            Field("version", "integer", "Version, from 1.", minimum=1),
            Field("stance", "string", "The response.", enum=RESPONSE_STANCES),
            Field("reasoning", "string", "Its reasoning."),
            Field(
                "promised_on", "date", "When it will be done (or decided, if under consideration)."
            ),
            CREATED,
        ),
        primary_key=("response_id",),
        foreign_keys=(fk("recommendation_id", "recommendations"),),
    ),
    Table(
        "status_updates",
        "Status updates",
        "What was done about each recommendation, every version of every update kept.",
        (
            Field("status_update_id", "integer", "The version's id.", required=True, unique=True),
            _recommendation(),
            Field("number", "integer", "The update's number for the recommendation.", minimum=1),
            Field("version", "integer", "Version, from 1.", minimum=1),
            Field("progress", "string", "How far it has come.", enum=PROGRESS_STATES),
            Field("description", "string", "What was done."),
            Field("happened_on", "date", "When."),
            Field("evidence", "array", "Links to evidence, as a JSON list of addresses."),
            CREATED,
        ),
        primary_key=("status_update_id",),
        foreign_keys=(fk("recommendation_id", "recommendations"),),
    ),
)
