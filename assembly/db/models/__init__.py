"""All models, imported in one place so Alembic's autogenerate sees every table."""

from assembly.db.models.accounts import ROLES, Account
from assembly.db.models.assemblies import (
    ASSEMBLY_STATUSES,
    BALLOT_SECRECY,
    PHASES,
    Assembly,
    ResearchGrant,
    Topic,
    assembly_facilitators,
    topic_practices,
)
from assembly.db.models.audit import AuditEvent
from assembly.db.models.ballots import BALLOT_CHANNELS, Ballot, BallotVoter
from assembly.db.models.base import metadata
from assembly.db.models.catalogue import Practice, SpotlightArea, practice_spotlight_areas
from assembly.db.models.participants import (
    CHANNELS,
    JOINED_VIA,
    PARTICIPANT_ROLES,
    InviteCode,
    Participant,
    ParticipantRole,
)
from assembly.db.models.proposals import (
    ARGUMENT_STATUSES,
    PROPOSAL_STATUSES,
    REACTIONS,
    STANCES,
    Argument,
    Proposal,
    Reaction,
)
from assembly.db.models.research import ApiToken, TopicSummary
from assembly.db.models.returning import PASSWORD_LINK_PURPOSES, PasswordLink, ReturnCode
from assembly.db.models.sortition import (
    JOB_STATUSES,
    PANEL_MEMBER_STATUSES,
    BackgroundJob,
    PanelMember,
    SortitionSelection,
    TableNote,
    TablePlan,
)
from assembly.db.models.store import StoreItem

__all__ = [
    "ARGUMENT_STATUSES",
    "ASSEMBLY_STATUSES",
    "BALLOT_CHANNELS",
    "BALLOT_SECRECY",
    "CHANNELS",
    "JOB_STATUSES",
    "JOINED_VIA",
    "PANEL_MEMBER_STATUSES",
    "PARTICIPANT_ROLES",
    "PASSWORD_LINK_PURPOSES",
    "PHASES",
    "PROPOSAL_STATUSES",
    "REACTIONS",
    "ROLES",
    "STANCES",
    "Account",
    "ApiToken",
    "Argument",
    "Assembly",
    "AuditEvent",
    "BackgroundJob",
    "Ballot",
    "BallotVoter",
    "InviteCode",
    "PanelMember",
    "Participant",
    "ParticipantRole",
    "PasswordLink",
    "Practice",
    "Proposal",
    "Reaction",
    "ResearchGrant",
    "ReturnCode",
    "SortitionSelection",
    "SpotlightArea",
    "StoreItem",
    "TableNote",
    "TablePlan",
    "Topic",
    "TopicSummary",
    "assembly_facilitators",
    "metadata",
    "practice_spotlight_areas",
    "topic_practices",
]
