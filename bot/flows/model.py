"""The guided-flow model: immutable descriptions of troubleshooting, procedural and maintenance flows.

A flow is an explicit state table. Troubleshooting flows are graphs of nodes keyed by id; procedural and
maintenance flows are ordered checklists of steps. The runner (``bot.flows.runner``) walks them; this module
only describes them. Pure standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FlowKind(StrEnum):
    """The three kinds of guided flow."""

    TROUBLESHOOTING = "troubleshooting"
    PROCEDURAL = "procedural"
    MAINTENANCE = "maintenance"


class FlowStatus(StrEnum):
    """Publication state of one flow version."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"  # kept, but hidden from start and search until restored


class Visibility(StrEnum):
    """Who can see a flow."""

    PUBLIC = "public"
    TEAM = "team"
    PERSONAL = "personal"


class NodeType(StrEnum):
    """Every node/step type of every flow kind."""

    # troubleshooting
    DECISION = "decision"
    ACTION = "action"
    SOLUTION = "solution"
    SUBFLOW = "subflow"
    # procedural / maintenance
    PROCEDURE_STEP = "procedure_step"
    SECTION_HEADER = "section_header"
    PROCEDURE_END = "procedure_end"


class ContentType(StrEnum):
    """What a procedural step asks of the engineer."""

    ACTION = "action"
    INFORMATIONAL = "informational"
    VERIFICATION = "verification"
    WARNING = "warning"


class VerificationType(StrEnum):
    """How a procedural step is confirmed."""

    NONE = "none"
    CHECKBOX = "checkbox"
    TEXT_INPUT = "text_input"


@dataclass(frozen=True, slots=True)
class Command:
    """A command the engineer runs by hand (the bot never executes it)."""

    code: str
    label: str = ""
    language: str = "powershell"


@dataclass(frozen=True, slots=True)
class Option:
    """One answer to a decision node; ``next`` is the id of the child node."""

    label: str
    next: str
    value: str = ""

    @property
    def key(self) -> str:
        """The stable value carried by the button (``value`` or, failing that, ``next``)."""
        return self.value or self.next


@dataclass(frozen=True, slots=True)
class Node:
    """One node of a troubleshooting flow or one step of a procedural/maintenance flow.

    Fields not used by a node's type stay at their defaults. ``line`` is the 1-based line of the node in
    its source file (0 when the flow was not loaded from text), for error messages.
    """

    id: str
    type: NodeType
    title: str = ""
    # decision
    question: str = ""
    options: tuple[Option, ...] = ()
    # action / procedure_step
    instructions: str = ""
    commands: tuple[Command, ...] = ()
    expected_outcome: str = ""
    next: str | None = None
    # solution
    resolution: str = ""
    followups: tuple[str, ...] = ()
    # subflow: run flow ``flow`` then come back to ``next`` (if set)
    flow: str = ""
    # procedural
    content_type: ContentType = ContentType.ACTION
    verification_prompt: str = ""
    verification_type: VerificationType = VerificationType.NONE
    warning: str = ""
    estimated_minutes: int | None = None
    reference_url: str = ""
    step: str = ""  # action / procedure_step: a library step (id or slug) filling the fields left out
    line: int = 0


@dataclass(frozen=True, slots=True)
class Variable:
    """An intake-form field whose value fills ``[VAR:name]`` placeholders."""

    name: str
    label: str = ""
    required: bool = True
    default: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    """One target of a maintenance run (a server, a client)."""

    label: str
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Flow:
    """A whole flow, one version of it.

    ``nodes`` keeps source order. For troubleshooting flows ``start`` names the first node; for procedural and
    maintenance flows the first step is the start and steps run in order.
    """

    key: str
    name: str
    kind: FlowKind
    nodes: tuple[Node, ...]
    start: str = ""
    version: int = 1
    status: FlowStatus = FlowStatus.PUBLISHED
    visibility: Visibility = Visibility.PUBLIC
    description: str = ""
    category: str = ""
    folder: str = ""  # where it sits in the team's library: a path like "network/vpn" ("" = top level)
    tags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    variables: tuple[Variable, ...] = ()
    targets: tuple[Target, ...] = ()
    schedule: str = ""
    ticket: int | None = None  # maintenance: the PSA ticket a run's summary is noted on
    deadline: str = ""  # maintenance: how long a run stays open ("4h", "90m", "1d"; "" = 12 hours)
    source_path: str = ""
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    _index: dict[str, Node] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({n.id: n for n in self.nodes})

    def node(self, node_id: str) -> Node:
        """Return the node with this id; raise ``KeyError`` with a readable message if there is none."""
        try:
            return self._index[node_id]
        except KeyError:
            raise KeyError(f"flow {self.key!r} has no node {node_id!r}") from None

    def line_of(self, name: str) -> int:
        """Source line of a top-level field (1 when unknown), for error messages."""
        return self.field_lines.get(name, 1)

    def has_node(self, node_id: str) -> bool:
        """True if the flow has a node with this id."""
        return node_id in self._index

    @property
    def first(self) -> str:
        """The id of the node a run starts on."""
        if self.start:
            return self.start
        return self.nodes[0].id if self.nodes else ""

    def index_of(self, node_id: str) -> int:
        """Position of a node in source order (procedural flows run in this order)."""
        for i, n in enumerate(self.nodes):
            if n.id == node_id:
                return i
        raise KeyError(f"flow {self.key!r} has no node {node_id!r}")
