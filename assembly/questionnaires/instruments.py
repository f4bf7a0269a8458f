"""Questionnaire templates shipped with the product. Their wording is written for this project;
each names the source its questions are drawn from."""

from __future__ import annotations

from typing import Any

from assembly.questionnaires.items import Item


def _t(en: str, nb: str) -> dict[str, str]:
    return {"en": en, "nb": nb}


AGREE_SCALE = [
    {"value": 1, "label": _t("Strongly disagree", "Helt uenig")},
    {"value": 2, "label": _t("Disagree", "Uenig")},
    {"value": 3, "label": _t("Neither agree nor disagree", "Verken enig eller uenig")},
    {"value": 4, "label": _t("Agree", "Enig")},
    {"value": 5, "label": _t("Strongly agree", "Helt enig")},
]


def _likert(key: str, en: str, nb: str) -> Item:
    return {
        "key": key,
        "kind": "likert",
        "text": _t(en, nb),
        "required": False,
        "scale": AGREE_SCALE,
        "dont_know": True,
    }


OECD_SOURCE = (
    "Drawn from the OECD Evaluation Guidelines for Representative Deliberative Processes "
    "(OECD, 2021), participant survey"
)

EVALUATION: dict[str, Any] = {
    "title": _t("Evaluation of the assembly", "Evaluering av forsamlingen"),
    "intro": _t(
        "Tell us how you experienced the assembly. There are no right or wrong answers.",
        "Fortell oss hvordan du opplevde forsamlingen. Det finnes ingen riktige eller gale svar.",
    ),
    "source": OECD_SOURCE,
    "items": [
        _likert("heard", "I felt my views were heard.", "Jeg følte at synspunktene mine ble hørt."),
        _likert(
            "information",
            "The information given was enough to form an opinion.",
            "Informasjonen vi fikk, var nok til å danne seg en mening.",
        ),
        _likert(
            "balanced",
            "The information covered different points of view fairly.",
            "Informasjonen dekket ulike syn på en rettferdig måte.",
        ),
        _likert(
            "respect",
            "Participants treated each other with respect.",
            "Deltakerne behandlet hverandre med respekt.",
        ),
        _likert(
            "facilitation",
            "The facilitators were neutral.",
            "Fasilitatorene var nøytrale.",
        ),
        _likert(
            "influence",
            "I expect the recommendations to influence the decision.",
            "Jeg forventer at anbefalingene vil påvirke beslutningen.",
        ),
        {
            "key": "again",
            "kind": "single",
            "text": _t(
                "Would you take part in an assembly like this again?",
                "Ville du deltatt i en slik forsamling igjen?",
            ),
            "required": False,
            "options": [
                {"value": 1, "label": _t("Yes", "Ja")},
                {"value": 2, "label": _t("No", "Nei")},
            ],
        },
        {
            "key": "why_not",
            "kind": "long",
            "text": _t("What held you back?", "Hva holdt deg tilbake?"),
            "required": False,
            "show_if": {"item": "again", "equals": 2},
        },
    ],
}

QUIZ: dict[str, Any] = {
    "title": _t("What do you know about the topic?", "Hva vet du om temaet?"),
    "intro": _t(
        "A short quiz, asked before and after, to see what the assembly taught. Guessing is fine.",
        "En kort quiz, før og etter, for å se hva forsamlingen lærte bort. Det er greit å gjette.",
    ),
    "source": "Knowledge questions as used in Deliberative Polling (Fishkin); write your own",
    "items": [
        {
            "key": "quiz1",
            "kind": "single",
            "text": _t(
                "Replace this with a factual question about the topic.",
                "Bytt ut dette med et faktaspørsmål om temaet.",
            ),
            "required": False,
            "options": [
                {"value": 1, "label": _t("Answer A", "Svar A")},
                {"value": 2, "label": _t("Answer B (correct)", "Svar B (riktig)")},
                {"value": 3, "label": _t("Answer C", "Svar C")},
            ],
            "correct": 2,
        },
        {
            "key": "quiz2",
            "kind": "single",
            "text": _t(
                "Who makes the final decision on the assembly's recommendations?",
                "Hvem tar den endelige beslutningen om forsamlingens anbefalinger?",
            ),
            "required": False,
            "options": [
                {"value": 1, "label": _t("The assembly itself", "Forsamlingen selv")},
                {"value": 2, "label": _t("The commissioning body", "Oppdragsgiveren")},
                {"value": 3, "label": _t("The facilitators", "Fasilitatorene")},
            ],
            "correct": 2,
        },
    ],
}

BATTERY: dict[str, Any] = {
    "title": _t("Scale battery", "Skalabatteri"),
    "intro": _t(
        "Paste the statements of a validated instrument here, keeping its scale and wording.",
        "Lim inn utsagnene fra et validert instrument her, med skala og ordlyd uendret.",
    ),
    "source": "Empty battery: name the validated instrument you paste (e.g. a mattering scale)",
    "items": [
        {
            "key": "battery",
            "kind": "grid",
            "text": _t(
                "How much do you agree with each statement?",
                "Hvor enig er du i hvert utsagn?",
            ),
            "required": False,
            "scale": AGREE_SCALE,
            "dont_know": True,
            "rows": [{"key": "s1", "text": _t("Paste a statement.", "Lim inn et utsagn.")}],
        }
    ],
}

TEMPLATES: dict[str, dict[str, Any]] = {
    "evaluation": EVALUATION,
    "quiz": QUIZ,
    "battery": BATTERY,
}
