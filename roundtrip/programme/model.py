"""The programme model: frozen dataclasses, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from typing import TypedDict

from roundtrip.programme.periods import Period, parse_period

METRIC_KINDS = ("count", "number", "percent", "yesno", "text")
LANGUAGES = ("fi", "sv", "en")
SMTP_SECURITIES = ("starttls", "ssl", "none")
SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}  # what smtp_port 0 stands for
# What collect does with a return whose approver's name or date is empty (settings.sign_off):
# nothing, a warning, or an error (the file is rejected).
SIGN_OFF_MODES = ("off", "warn", "required")
# Settings of the send-out (roundtrip mail) only: they shape no return workbook, so they are
# left out of the programme version (a new mail server must not make every workbook sent
# out "from an earlier version of the programme").
MAIL_SETTINGS = (
    "reminder_gap_days",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
    "mail_sender",
    "mail_limit_mb",
    "signature",
)


@dataclass(frozen=True)
class Status:
    key: str  # stable key, e.g. "on_track"
    label: str  # label in the programme's language, shown in dropdowns
    colour: str  # "#RRGGBB"
    done: bool = False  # counts as done
    needs_comment: bool = False  # a comment is required with this status
    attention: bool = False  # listed for the council (major problems, cancelled)
    aliases: tuple[str, ...] = ()  # labels in other languages, accepted on collect


# Fields added after programme versions were first written: left out of the version's hash
# while they hold their default, so a programme that does not use them keeps its version.
LATER_FIELDS: dict[str, object] = {
    "partners": (),
    "start": "",
    "end": "",
    "partners_report": False,
    "targets": (),
    "sign_off": "off",
    "stale_periods": 2,
    "overdue_grace": 0,
    "off_target_margin": 0,
    "publish_comments": False,
}
BOUND_PATTERN = r"^(\d{4})(?:([QH])([1-4]))?$"  # a schedule bound: 2025, 2025Q3, 2025H2


# Metric and Action use __slots__: a regional programme holds 270,000 of them, and a
# per-instance __dict__ was about a fifth of collect's peak memory.
@dataclass(frozen=True, slots=True)
class Metric:
    id: str  # e.g. "P1-01-M1"
    action_id: str
    name: str
    kind: str = "text"  # one of METRIC_KINDS
    unit: str = ""
    baseline: str = ""
    target: str = ""
    higher_is_better: bool = True
    # Targets by year or period beside the single `target`: (bound, value) pairs, the bound a
    # year ("2025") or a period ("2025Q3", "2025H2"), in bound order (the targets sheet).
    targets: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
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
    # Departments that carry the action out with the lead (department_id); ids, in order.
    partners: tuple[str, ...] = ()
    # The schedule as bounds, where it could be read: a year ("2025") or a period ("2025Q3",
    # "2025H2"); "" when open or unknown. `schedule` keeps the words as written.
    start: str = ""
    end: str = ""


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
    # Partner departments report on the actions they share too (each in its own workbook);
    # off: only the lead reports, and the partners are named on the lead's workbook.
    partners_report: bool = False
    coordinator: str = ""
    coordinator_email: str = ""
    # The send-out (MAIL_SETTINGS). Never a password: the mail package reads that from the
    # environment variable ROUNDTRIP_SMTP_PASSWORD only.
    reminder_gap_days: int = 5  # a reminder of the same kind is not repeated within this
    smtp_host: str = ""  # "" = drafts only
    smtp_port: int = 0  # 0 = the usual port of smtp_security (SMTP_PORTS)
    smtp_security: str = "starttls"  # one of SMTP_SECURITIES
    smtp_user: str = ""
    mail_sender: str = ""  # the From address; "" = coordinator_email
    mail_limit_mb: float = 10.0  # attachments over this size are flagged
    signature: str = ""  # under every message; "" = coordinator name, organisation
    # A return's approver (name and date in its workbook): one of SIGN_OFF_MODES. Not a
    # send-out setting: the workbook's instructions say to fill them in when it is not "off".
    sign_off: str = "off"
    # Computed health (roundtrip.health): what its rules let pass.
    stale_periods: int = 2  # periods running with no update before an action is stale; 0: never
    overdue_grace: int = 0  # periods after its schedule's end before an action is overdue
    off_target_margin: int = 0  # % a metric may be behind the line to its target
    # The public progress site (roundtrip publish) shows departments' comments and contact
    # details only when this is set: privacy by default.
    publish_comments: bool = False

    def period(self, text: str) -> Period:
        return parse_period(text, self.cadence)

    def smtp_port_or_default(self) -> int:
        """smtp_port, or the usual port of smtp_security when it is 0."""
        return self.smtp_port or SMTP_PORTS.get(self.smtp_security, 587)


def is_address(text: str) -> bool:
    """A plain e-mail address (``name@example.org``): one @, something before it, a dot inside
    the domain, no spaces, and read back the same by email.utils.parseaddr. Permissive, but it
    catches a name, two addresses or a typo typed where an address belongs."""
    if not text or any(c.isspace() for c in text) or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    if not local or "." not in domain.strip(".") or ".." in domain:
        return False
    if domain.startswith(".") or domain.endswith(".") or any(c in text for c in ',;<>()[]"\\'):
        return False
    return parseaddr(text) == ("", text)


class _Index(TypedDict, total=False):
    """A Programme's lookups, each built on first use."""

    departments: dict[str, Department]
    priorities: dict[str, Priority]
    actions: dict[tuple[str, bool], tuple[Action, ...]]  # (department, active only) -> actions
    partnered: dict[str, tuple[Action, ...]]  # partner department -> active shared actions
    pairs: frozenset[tuple[str, str]]  # (action, partner department), every action


@dataclass(frozen=True)
class Programme:
    settings: Settings
    priorities: tuple[Priority, ...]
    departments: tuple[Department, ...]
    actions: tuple[Action, ...]
    statuses: tuple[Status, ...]
    version: str = field(default="")  # content hash, filled by the loader
    # Lookups built on first use (3,000 departments x 60 actions: a scan per department was
    # quadratic). Not a constructor argument, so dataclasses.replace starts a fresh one.
    _index: _Index = field(
        default_factory=_Index, init=False, repr=False, compare=False, hash=False
    )

    # A race only builds the same dict twice.
    def _departments(self) -> dict[str, Department]:
        got = self._index.get("departments")
        if got is None:
            got = {}
            for d in self.departments:
                got.setdefault(d.id, d)  # the first of a repeated id, as a scan finds
            self._index["departments"] = got
        return got

    def _priorities(self) -> dict[str, Priority]:
        got = self._index.get("priorities")
        if got is None:
            got = {}
            for p in self.priorities:
                got.setdefault(p.id, p)
            self._index["priorities"] = got
        return got

    def _actions(self) -> dict[tuple[str, bool], tuple[Action, ...]]:
        got = self._index.get("actions")
        if got is None:
            groups: dict[tuple[str, bool], list[Action]] = {}
            for a in self.actions:
                groups.setdefault((a.department_id, False), []).append(a)
                if a.active:
                    groups.setdefault((a.department_id, True), []).append(a)
            got = {k: tuple(v) for k, v in groups.items()}
            self._index["actions"] = got
        return got

    def _partnered(self) -> dict[str, tuple[Action, ...]]:
        got = self._index.get("partnered")
        if got is None:
            groups: dict[str, list[Action]] = {}
            for a in self.actions:
                if a.active:
                    for d in dict.fromkeys(a.partners):
                        if d != a.department_id:
                            groups.setdefault(d, []).append(a)
            got = {k: tuple(v) for k, v in groups.items()}
            self._index["partnered"] = got
        return got

    def with_actions(self, actions: tuple[Action, ...]) -> Programme:
        """This programme with other actions (a department's slice of it), sharing the lookups
        that do not depend on them: 3,000 departments are indexed once, not once a slice."""
        part = replace(self, actions=actions)
        part._index["departments"] = self._departments()
        part._index["priorities"] = self._priorities()
        return part

    def department(self, dept_id: str) -> Department:
        return self._departments()[dept_id]

    def priority(self, priority_id: str) -> Priority:
        return self._priorities()[priority_id]

    def actions_of(self, dept_id: str, active_only: bool = True) -> tuple[Action, ...]:
        return self._actions().get((dept_id, active_only), ())

    def partnered_by(self, dept_id: str) -> tuple[Action, ...]:
        """The active actions another department leads with `dept_id` as a partner."""
        return self._partnered().get(dept_id, ())

    def reported_by(self, dept_id: str) -> tuple[Action, ...]:
        """The active actions `dept_id` reports on, in its return workbook: those it leads
        (actions_of), then, with settings.partners_report, those it is a partner of."""
        own = self.actions_of(dept_id)
        if not self.settings.partners_report:
            return own
        shared = self.partnered_by(dept_id)
        return own + shared if shared else own

    def shares_reports(self) -> bool:
        """Partners report on shared actions: the setting is on and some action has partners
        (the register and the summary then show the partners' answers)."""
        return self.settings.partners_report and bool(self.partner_pairs())

    def partner_pairs(self) -> frozenset[tuple[str, str]]:
        """(action id, partner department id) of every action with partners, active or not:
        the answers that are a partner's, not the lead's."""
        got = self._index.get("pairs")
        if got is None:
            got = frozenset(
                (a.id, d) for a in self.actions for d in a.partners if d != a.department_id
            )
            self._index["pairs"] = got
        return got

    def knowing_pairs(self, pairs: Iterable[Sequence[str]]) -> Programme:
        """This programme, its partner_pairs() being `pairs`: a head without its actions (a
        cache's) still tells a partner's answer from the lead's."""
        self._index["pairs"] = frozenset((str(a), str(d)) for a, d in pairs)
        return self

    def status_by_key(self, key: str) -> Status:
        for s in self.statuses:
            if s.key == key:
                return s
        raise KeyError(key)
