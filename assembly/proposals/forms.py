"""Reading the proposal, argument and reaction forms."""

from __future__ import annotations

from dataclasses import dataclass

from assembly.web.forms import FormData


@dataclass(frozen=True)
class ProposalForm:
    title: str
    body: str
    # On budget topics only: the author's estimate of the cost, as typed.
    estimated_cost: str = ""

    @classmethod
    def read(cls, form: FormData) -> ProposalForm:
        return cls(
            title=form.get("title"),
            body=form.get("body"),
            estimated_cost=form.get("estimated_cost"),
        )

    def values(self) -> dict[str, str]:
        return {"title": self.title, "body": self.body, "estimated_cost": self.estimated_cost}


@dataclass(frozen=True)
class ArgumentForm:
    stance: str
    argument: str

    @classmethod
    def read(cls, form: FormData) -> ArgumentForm:
        return cls(stance=form.get("stance"), argument=form.get("argument"))

    def values(self) -> dict[str, str]:
        return {"stance": self.stance, "argument": self.argument}
