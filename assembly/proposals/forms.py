"""Reading the proposal, argument and reaction forms."""

from __future__ import annotations

from dataclasses import dataclass

from assembly.forms_common import FormData


@dataclass(frozen=True)
class ProposalForm:
    title: str
    body: str
    # On budget topics only: the author's estimate of the cost, as typed.
    estimated_cost: str = ""
    # The language the author marked their text as written in.
    language: str = ""

    @classmethod
    def read(cls, form: FormData) -> ProposalForm:
        return cls(
            title=form.get("title"),
            body=form.get("body"),
            estimated_cost=form.get("estimated_cost"),
            language=form.get("language"),
        )

    def values(self) -> dict[str, str]:
        return {
            "title": self.title,
            "body": self.body,
            "estimated_cost": self.estimated_cost,
            "language": self.language,
        }


@dataclass(frozen=True)
class ArgumentForm:
    stance: str
    argument: str
    language: str = ""

    @classmethod
    def read(cls, form: FormData) -> ArgumentForm:
        return cls(
            stance=form.get("stance"), argument=form.get("argument"), language=form.get("language")
        )

    def values(self) -> dict[str, str]:
        return {"stance": self.stance, "argument": self.argument, "language": self.language}
