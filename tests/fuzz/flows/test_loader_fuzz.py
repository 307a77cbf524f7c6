"""Any YAML text — random text, or a bundled flow with lines dropped, repeated, re-indented or replaced — either
loads (and validates to a list of errors) or is refused with ``FlowLoadError`` whose every error names a line."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from bot.flows.errors import FlowLoadError
from bot.flows.loader import bundled_samples_dir, flow_files, parse_flow_text
from bot.flows.validator import validate_flow
from tests.fuzz.strategies import texts

SAMPLES = [path.read_text(encoding="utf-8").splitlines() for path in flow_files(bundled_samples_dir())]
YAML_BITS = ("- ", ": ", "key: x", "nodes:", "steps: []", "&a", "*a", "!!python/object:os.system", "<<: *a", "|", ">")


@st.composite
def edited_flow(draw: st.DrawFn) -> str:
    lines = list(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
        edit = draw(st.sampled_from(["drop", "repeat", "indent", "dedent", "replace", "insert"]))
        if not lines:
            break
        if edit == "drop":
            del lines[at]
        elif edit == "repeat":
            lines.insert(at, lines[at])
        elif edit == "indent":
            lines[at] = "  " + lines[at]
        elif edit == "dedent":
            lines[at] = lines[at].lstrip()
        else:
            new = draw(texts | st.sampled_from(YAML_BITS))
            lines[at : at + (edit == "replace")] = [new]
    return "\n".join(lines)


@given(edited_flow() | texts | st.lists(st.sampled_from(YAML_BITS) | texts, max_size=12).map("\n".join))
@example("!!python/object/apply:os.system ['echo hacked']")
@example("key: &a [*a]")
def test_any_yaml_loads_or_gives_line_numbered_errors(text: str) -> None:
    lines = max(1, len(text.splitlines()))
    try:
        flow = parse_flow_text(text, "fuzz.yaml")
    except FlowLoadError as err:
        assert err.errors
        for error in err.errors:
            assert 1 <= error.line <= lines + 1, error
        return
    for error in validate_flow(flow):
        assert error.line >= 0 and error.message
