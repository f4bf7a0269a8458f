"""Reading the join and demographic forms into plain values."""

from __future__ import annotations

from dataclasses import dataclass

from assembly.forms_common import FormData
from assembly.participants.services import Question


@dataclass(frozen=True)
class JoinForm:
    code: str
    pseudonym: str

    @classmethod
    def read(cls, form: FormData) -> JoinForm:
        return cls(code=form.get("code").strip(), pseudonym=form.get("pseudonym"))

    def values(self) -> dict[str, str]:
        return {"code": self.code, "pseudonym": self.pseudonym}


def demographic_answers(form: FormData, questions: list[Question]) -> dict[str, str]:
    """Answers keyed by question; the form field of question ``age`` is ``q-age``."""
    return {question.key: form.get(f"q-{question.key}") for question in questions}


def demographic_values(answers: dict[str, str]) -> dict[str, str]:
    return {f"q-{key}": value for key, value in answers.items()}
