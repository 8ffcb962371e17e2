"""The programme model: frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from .periods import Period, parse_period

METRIC_KINDS = ("count", "number", "percent", "yesno", "text")
LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class Status:
    key: str  # stable key, e.g. "on_track"
    label: str  # label in the programme's language, shown in dropdowns
    colour: str  # "#RRGGBB"
    done: bool = False  # counts as done
    needs_comment: bool = False  # a comment is required with this status
    attention: bool = False  # listed for the council (major problems, cancelled)
    aliases: tuple[str, ...] = ()  # labels in other languages, accepted on collect


@dataclass(frozen=True)
class Metric:
    id: str  # e.g. "P1-01-M1"
    action_id: str
    name: str
    kind: str = "text"  # one of METRIC_KINDS
    unit: str = ""
    baseline: str = ""
    target: str = ""
    higher_is_better: bool = True


@dataclass(frozen=True)
class Action:
    id: str  # e.g. "P1-03"; stable, never reused
    priority_id: str
    department_id: str
    text: str
    metrics: tuple[Metric, ...] = ()
    metric_text: str = ""  # the metric wording as written in the plan ("" when blank)
    schedule: str = ""
    responsible: str = ""
    origin: str = ""  # e.g. "Elinvoimatyöryhmän huomio 12.4.2023"
    active: bool = True


@dataclass(frozen=True)
class Priority:
    id: str  # e.g. "P1"
    title: str


@dataclass(frozen=True)
class Department:
    id: str  # e.g. "SIV"
    name: str
    contact: str = ""
    email: str = ""


@dataclass(frozen=True)
class Settings:
    programme_id: str
    name: str
    organisation: str
    language: str = "fi"
    cadence: str = "quarter"
    first_period: str = ""
    last_period: str = ""
    deadline_days: int = 14  # days after the end of the period
    coordinator: str = ""
    coordinator_email: str = ""

    def period(self, text: str) -> Period:
        return parse_period(text, self.cadence)


@dataclass(frozen=True)
class Programme:
    settings: Settings
    priorities: tuple[Priority, ...]
    departments: tuple[Department, ...]
    actions: tuple[Action, ...]
    statuses: tuple[Status, ...]
    version: str = field(default="")  # content hash, filled by the loader

    def department(self, dept_id: str) -> Department:
        for d in self.departments:
            if d.id == dept_id:
                return d
        raise KeyError(dept_id)

    def priority(self, priority_id: str) -> Priority:
        for p in self.priorities:
            if p.id == priority_id:
                return p
        raise KeyError(priority_id)

    def actions_of(self, dept_id: str, active_only: bool = True) -> tuple[Action, ...]:
        return tuple(
            a for a in self.actions if a.department_id == dept_id and (a.active or not active_only)
        )

    def status_by_key(self, key: str) -> Status:
        for s in self.statuses:
            if s.key == key:
                return s
        raise KeyError(key)
