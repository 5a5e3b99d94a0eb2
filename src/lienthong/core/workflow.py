"""Transition tables: the data a stateful app's workflow engine runs on.

A table is a set of :class:`Step` rows. Each row names the states it leaves and the
one it enters (or none: the state stays), who may take it (a permission checked at one
of the case's agencies, or the applicant), the inputs it takes and needs, and the
effects it has — names the app's engine maps to small functions (stamp a milestone,
move the deadline, hand the case to another agency). Adding a path is adding rows:
a procedure's configuration (JSON) can add states and steps, or replace a row of the
standard table, without new code; :meth:`Table.extended` checks it against the app's
vocabulary and names every problem.

Apps build their own table and engine on this (the dossiers first; document exchange
and feedback next); nothing here knows of any app.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["APPLICANT", "ConfigError", "Localized", "Step", "Table", "Vocabulary"]

#: A configured state's code (it is stored in the case's status column).
STATE_CODE: Final = re.compile(r"[a-z][a-z0-9_]{0,23}")
#: The ``permission`` of a step the applicant (or their proxy) takes.
APPLICANT = "applicant"


class Localized(str):
    """A configured name in Vietnamese that shows its English form on an English page
    (a configuration is data, outside the translation catalogue). A ``str``: equal to,
    and stored as, the Vietnamese."""

    en: str

    def __new__(cls, vi: str, en: str = "") -> Localized:
        made = super().__new__(cls, vi)
        made.en = en
        return made

    def __str__(self) -> str:
        from django.utils import translation

        language = translation.get_language() or ""
        return self.en if self.en and language.startswith("en") else str.__str__(self)


def _label(value: object, en: object = None) -> Localized | None:
    """A configured label: a text (with ``en`` beside it), or ``{"vi": …, "en": …}``."""
    if isinstance(value, Mapping):
        pair: Mapping[str, object] = value
        value, en = pair.get("vi"), pair.get("en")
    if not isinstance(value, str) or not value.strip():
        return None
    return Localized(value, en if isinstance(en, str) else "")


class ConfigError(ValueError):
    """A configured table that cannot run; ``problems`` names each fault by its path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Step:
    """One row of a transition table."""

    action: str
    label: StrOrPromise
    sources: frozenset[str]
    #: The state it enters; None: the state stays (an extension, a payment, a rating).
    target: str | None
    #: A permission code, or APPLICANT.
    permission: str
    #: Which of the case's agencies the permission is checked at.
    where: str = "handling"
    #: The inputs it takes, and those of them it cannot do without.
    inputs: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    #: Effect names, applied in order by the app's engine.
    effects: tuple[str, ...] = ()
    #: Working days the step's own work may take (a field visit): the engine stamps a
    #: step deadline when the step is entered. 0: none.
    deadline_days: float = 0
    #: Arguments of the effects (e.g. which department a consultation goes to).
    options: Mapping[str, str] = field(default_factory=dict)
    #: Shown apart from the main path (refusals, cancellation).
    secondary: bool = False
    #: What the page calls the step's note ("Lý do rút hồ sơ"); empty: a generic label.
    note_label: StrOrPromise = ""
    #: A question the person must confirm before the step is sent (one that cannot be
    #: undone); empty: none.
    confirm: StrOrPromise = ""

    @property
    def note_required(self) -> bool:
        return "note" in self.required


@dataclass(frozen=True)
class Vocabulary:
    """What a configured row may name: the app's states, effects, inputs, permissions
    and agencies (``where``)."""

    effects: Collection[str]
    inputs: Collection[str]
    permissions: Collection[str]
    places: Collection[str]


@dataclass(frozen=True)
class Table:
    """States (code → label) and steps (action → row)."""

    states: Mapping[str, StrOrPromise]
    steps: Mapping[str, Step]

    @classmethod
    def of(cls, states: Mapping[str, StrOrPromise], steps: Iterable[Step]) -> Table:
        return cls(dict(states), {s.action: s for s in steps})

    def step(self, action: str) -> Step | None:
        return self.steps.get(action)

    def label(self, state: str) -> StrOrPromise:
        return self.states.get(state, state)

    def leaving_with(self, permission: str) -> frozenset[str]:
        """The states a main-path step taken with ``permission`` leaves (a queue's
        states; refusals, cancellation and the like aside)."""
        return frozenset(
            x
            for s in self.steps.values()
            if s.permission == permission and not s.secondary
            for x in s.sources
        )

    def open_to(self, state: str) -> list[Step]:
        """The steps that may leave ``state`` (before anyone's permission is checked)."""
        return [s for s in self.steps.values() if state in s.sources]

    def extended(self, config: Mapping[str, Any], vocabulary: Vocabulary) -> Table:
        """This table with a procedure's configuration: ``states`` (code → label) added,
        ``steps`` added (one with an existing action replaces that row), ``also_from``
        (action → states) letting existing steps leave the new states too (withdrawal,
        cancellation, extension). Raises ConfigError naming every problem."""
        problems: list[str] = []
        raw_states = config.get("states", {})
        if not isinstance(raw_states, Mapping):
            problems.append("states: a mapping of state code to label")
            raw_states = {}
        named: dict[str, StrOrPromise] = {}
        for k, v in raw_states.items():
            label = _label(v)
            if label is None:
                problems.append(f'states.{k}: a label, or {{"vi": …, "en": …}}')
            else:
                named[k] = label
        problems += [
            f"states.{k}: a code of lower-case letters, digits and _ (at most 24)"
            for k in raw_states
            if not STATE_CODE.fullmatch(k)
        ]
        states: dict[str, StrOrPromise] = {**self.states, **named}
        steps = dict(self.steps)
        also = config.get("also_from", {})
        if not isinstance(also, Mapping):
            problems.append("also_from: a mapping of action to states")
            also = {}
        for action, more in also.items():
            base = steps.get(action)
            if base is None:
                problems.append(f"also_from.{action}: not a step of the table")
            elif not isinstance(more, list) or any(m not in states for m in more):
                problems.append(f"also_from.{action}: a list of known states")
            else:
                steps[action] = replace(base, sources=base.sources | frozenset(more))
        raw_steps = config.get("steps", [])
        if not isinstance(raw_steps, list):
            raise ConfigError([*problems, "steps: a list"])
        for i, raw in enumerate(raw_steps):
            step = _parse_step(raw, f"steps[{i}]", states, vocabulary, problems)
            if step is not None:
                steps[step.action] = step
        unknown = set(config) - {"states", "steps", "also_from"}
        problems += [f"{k}: not a known key" for k in sorted(unknown)]
        if problems:
            raise ConfigError(problems)
        table = Table(states, steps)
        problems += table.unreachable(set(raw_states))
        if problems:
            raise ConfigError(problems)
        return table

    def unreachable(self, states: Collection[str]) -> list[str]:
        """Those of ``states`` that no step enters or no step leaves (a dead end)."""
        entered = {s.target for s in self.steps.values() if s.target}
        left = {src for s in self.steps.values() for src in s.sources}
        problems = [f"states.{c}: no step enters it" for c in states if c not in entered]
        problems += [f"states.{c}: no step leaves it" for c in states if c not in left]
        return problems


def _parse_step(
    raw: object,
    path: str,
    states: Mapping[str, StrOrPromise],
    vocabulary: Vocabulary,
    problems: list[str],
) -> Step | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{path}: an object")
        return None
    before = len(problems)

    def text(key: str, default: str | None = None) -> str:
        value = raw.get(key, default)
        if not isinstance(value, str) or not value:
            problems.append(f"{path}.{key}: a non-empty text")
            return ""
        return value

    def names(key: str, allowed: Collection[str]) -> frozenset[str]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{path}.{key}: a list of names")
            return frozenset()
        problems.extend(f"{path}.{key}: unknown «{v}»" for v in value if v not in allowed)
        return frozenset(value)

    action = text("action")
    label = _label(raw.get("label"), raw.get("label_en"))
    if label is None:
        problems.append(f"{path}.label: a non-empty text")
    sources = names("from", states)
    if not sources:
        problems.append(f"{path}.from: at least one state")
    target = raw.get("to")
    if target is not None and target not in states:
        problems.append(f"{path}.to: unknown state «{target}»")
    permission = text("permission")
    if permission and permission not in vocabulary.permissions:
        problems.append(f"{path}.permission: unknown «{permission}»")
    where = text("where", "handling")
    if where and where not in vocabulary.places:
        problems.append(f"{path}.where: unknown «{where}»")
    inputs = names("inputs", vocabulary.inputs)
    required = names("required", inputs)
    effects = raw.get("effects", [])
    if not isinstance(effects, list) or not all(isinstance(e, str) for e in effects):
        problems.append(f"{path}.effects: a list of names")
        effects = []
    problems.extend(
        f"{path}.effects: unknown «{e}»" for e in effects if e not in vocabulary.effects
    )
    days = raw.get("deadline_days", 0)
    if not isinstance(days, int | float) or isinstance(days, bool) or not 0 <= days <= 365:
        problems.append(f"{path}.deadline_days: a number of working days, 0–365")
        days = 0
    options = raw.get("options", {})
    if not isinstance(options, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in options.items()
    ):
        problems.append(f"{path}.options: a mapping of texts")
        options = {}
    extra = set(raw) - {
        "action",
        "label",
        "label_en",
        "from",
        "to",
        "permission",
        "where",
        "inputs",
        "required",
        "effects",
        "deadline_days",
        "options",
        "secondary",
    }
    problems.extend(f"{path}.{k}: not a known key" for k in sorted(extra))
    if len(problems) > before:
        return None
    return Step(
        action=action,
        label=label or "",
        sources=sources,
        target=target,
        permission=permission,
        where=where,
        inputs=inputs,
        required=required,
        effects=tuple(effects),
        deadline_days=float(days),
        options=dict(options),
        secondary=bool(raw.get("secondary", False)),
    )
