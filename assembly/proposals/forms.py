"""Reading the proposal, argument and reaction forms."""

from __future__ import annotations

from dataclasses import dataclass

from assembly.web.forms import FormData


@dataclass(frozen=True)
class ProposalForm:
    title: str
    body: str

    @classmethod
    def read(cls, form: FormData) -> ProposalForm:
        return cls(title=form.get("title"), body=form.get("body"))

    def values(self) -> dict[str, str]:
        return {"title": self.title, "body": self.body}


@dataclass(frozen=True)
class ArgumentForm:
    stance: str
    argument: str

    @classmethod
    def read(cls, form: FormData) -> ArgumentForm:
        return cls(stance=form.get("stance"), argument=form.get("argument"))

    def values(self) -> dict[str, str]:
        return {"stance": self.stance, "argument": self.argument}
