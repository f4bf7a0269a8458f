"""Motions: single decisions voted on with the ballot machinery of topics.

The drafting process (``assembly.recommendations``) puts each amendment and each final
recommendation to the vote as a topic of kind "motion". A motion has one option, named by the
motion's own slug and labelled with its question, and the yes/no/abstain method with the
assembly's threshold. Everything that works on a topic's ballots therefore works on a motion's
unchanged: casting and receipts, paper ballots, sealing and publishing, the published ballots,
the research export and ``assembly recount``. Only the options differ (a topic's come from
its proposals), and motions are left out of the assembly's list of topics.

Pure: no database, no web.
"""

from __future__ import annotations

from typing import Any

MOTION = "motion"


def is_motion(topic: Any) -> bool:
    return getattr(topic, "kind", "topic") == MOTION


def motion_options(topic: Any) -> list[tuple[str, str]]:
    """A motion's ballot: its one option (the motion's slug) with the question as label."""
    return [(str(topic.slug), str(topic.question))]
