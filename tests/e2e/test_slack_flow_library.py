"""The flow library in Slack, end to end: the real served app, signed requests, the fake Web API hosting the shared
files and receiving the uploads.

Alice (the workspace's first user: team admin) shares a broken flow file in a channel with `@bot flow import` and
gets its problems with line numbers (nothing saved); she shares the fixed file in her DM with the bot, publishes it,
and `/rf flow show` posts the summary and uploads a real PNG diagram. Search with a tag filter finds it; archived it
leaves search, restored it comes back as a new version, exported it arrives as a YAML file. Bob (engineer) may
import a draft but not publish it; Carol (viewer) may not import; each is told the role it takes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from bot.flows.diagram import PNG_SIGNATURE
from bot.flows.loader import parse_flow_text
from bot.flows.model import FlowStatus
from bot.store.index_jobs import SqlIndexJobs
from tests.e2e.slack_transcript import WAIT_S, Slack, blocks_of, eventually, share_files, text_fields, wait_ephemeral

FLOW = (Path(__file__).parents[1] / "fixtures" / "flows" / "printer-jam.yaml").read_text(encoding="utf-8")
BROKEN = FLOW.replace("next: done}", "next: gone}").replace("next: done\n  - id: done", "next: nowhere\n  - id: done")
YAML = "application/x-yaml"


def said_to(user: str, *parts: str) -> Any:
    """A predicate: an ephemeral to ``user`` containing every one of ``parts``."""
    return lambda d: d.get("user") == user and all(p in plain(d) for p in parts)


def plain(data: dict[str, Any]) -> str:
    """Every text of a call's blocks and its fallback text, unescaped, one per line."""
    return "\n".join(text_fields(blocks_of(data))) + "\n" + str(data.get("text", ""))


async def indexed(slack: Slack) -> None:
    """Wait until the search index's worker has done every queued job (a flow change queues one)."""
    jobs = SqlIndexJobs(slack.bot.app.database.engine)

    async def done() -> bool:
        return not await jobs.pending()

    await eventually(done, "the search index caught up")


async def test_import_publish_show_search_archive_restore_export(slack: Slack) -> None:
    api = slack.api
    api.workspaces["T1"].scopes += ",files:write"
    api.add_user("T1", "U2", "Bob Li", "bob@example.invalid")
    api.add_user("T1", "U3", "Carol Diaz", "carol@example.invalid")

    # a broken file shared in the channel: every problem with its line, nothing saved
    broken = api.add_file("T1", "printer-jam.yaml", BROKEN.encode(), YAML)
    await share_files(slack, "flow import", broken, user_id="U1", channel="C1")
    refused = await wait_ephemeral(api, said_to("U1", "nothing was saved"))
    assert refused["channel"] == "C1" and "`printer-jam.yaml` has" in plain(refused)
    said = plain(refused)
    assert "has 3 problem(s)" in said and "did you mean 'done'?" in said
    for line, problem in ((9, "goes to 'gone'"), (16, "continues to 'nowhere'"), (21, "'done' is unreachable")):
        assert f"line {line}: node " in said and problem in said
    await slack.user.slash_command("flow show printer-jam", user_id="U1", channel_id="C1")
    await wait_ephemeral(api, said_to("U1", "don't know a flow `printer-jam`"))

    # the fixed file shared in Alice's DM with the bot becomes a team draft
    good = api.add_file("T1", "printer-jam.yaml", FLOW.encode(), YAML)
    await share_files(slack, "flow import", good, user_id="U1", channel="D1")
    imported = await wait_ephemeral(api, said_to("U1", "Imported `printer-jam`"))
    assert imported["channel"] == "D1" and "as a draft: version 1" in plain(imported)
    assert {d.file_id: d.status for d in api.downloads} == {broken["id"]: 200, good["id"]: 200}
    await slack.user.slash_command("help", user_id="U2", channel_id="C1")  # Bob's first request: an engineer
    await api.wait_for(lambda c: c.path.endswith("chat.postEphemeral") and c.data.get("user") == "U2", WAIT_S)
    bobs = api.add_file("T1", "printer-jam.yaml", FLOW.encode(), YAML)
    await share_files(slack, "flow import", bobs, user_id="U2", channel="D2")
    await wait_ephemeral(api, said_to("U2", "`printer-jam` already has this exact draft as version 1; nothing changed"))

    # Bob (engineer) may draft but not publish; Carol (viewer) may not even import
    await slack.user.slash_command("flow publish printer-jam", user_id="U2", channel_id="C1")
    await wait_ephemeral(api, said_to("U2", "Only team admins can do that (your role: engineer)"))
    await slack.user.slash_command("help", user_id="U3", channel_id="C1")
    await api.wait_for(lambda c: c.path.endswith("chat.postEphemeral") and c.data.get("user") == "U3", WAIT_S)
    await slack.user.slash_command("admin users set <@U3|carol> viewer", user_id="U1", channel_id="C1")
    await wait_ephemeral(api, said_to("U1", "is now a viewer"))
    carols = api.add_file("T1", "printer-jam.yaml", FLOW.replace("Printer jam", "Carol's jam").encode(), YAML)
    await share_files(slack, "flow import", carols, user_id="U3", channel="D3")
    await wait_ephemeral(api, said_to("U3", "that needs the engineer role"))
    assert not api.file_host.downloads_of(carols["id"])  # refused before anything was fetched

    # Alice publishes; anyone shows it: the summary to the asker, the diagram as a real PNG file in the channel
    await slack.user.slash_command("flow publish printer-jam", user_id="U1", channel_id="C1")
    await wait_ephemeral(api, said_to("U1", "Published `printer-jam` as version 2"))
    await slack.user.slash_command("flow show printer-jam", user_id="U2", channel_id="C1")
    summary = await wait_ephemeral(api, said_to("U2", "Printer jam — printer-jam v2"))
    for fact in ("*Status:* published", "*Category:* Printing", "devices/printers", "printer, jam", "v1 · draft"):
        assert fact in plain(summary), fact
    await api.wait_for(lambda _: bool(api.uploads), WAIT_S)
    (diagram,) = api.uploads
    assert (diagram.filename, diagram.channel, diagram.team_id) == ("printer-jam-v2.png", "C1", "T1")
    assert diagram.data.startswith(PNG_SIGNATURE) and "Flow diagram" in diagram.title
    with Image.open(io.BytesIO(diagram.data)) as picture:
        assert picture.format == "PNG" and picture.width >= 320 and picture.height >= 120
    (asked,) = api.method_calls("files.getUploadURLExternal")
    assert asked["filename"] == "printer-jam-v2.png" and int(asked["length"]) == len(diagram.data)

    # search with a filter finds it; archived it is gone; restored it is back as the newest version
    await indexed(slack)
    await slack.user.slash_command("search jam tag:printer", user_id="U2", channel_id="C1")
    found = await wait_ephemeral(api, said_to("U2", "tag:printer jam"))
    assert "flow `printer-jam`" in plain(found) and "Start printer-jam" in plain(found)
    await slack.user.slash_command("search jam tag:network", user_id="U2", channel_id="C1")
    await wait_ephemeral(api, said_to("U2", "No flow matches “tag:network jam”"))
    await slack.user.slash_command("flow archive printer-jam", user_id="U1", channel_id="C1")
    await wait_ephemeral(api, said_to("U1", "Archived `printer-jam` (version 3)"))
    await slack.user.slash_command("search tag:jam", user_id="U2", channel_id="C1")
    await wait_ephemeral(api, said_to("U2", "No flow matches “tag:jam”"))
    await slack.user.slash_command("flow restore printer-jam v2", user_id="U1", channel_id="C1")
    await wait_ephemeral(api, said_to("U1", "Restored `printer-jam` v2 as the newest published version: version 4"))
    await indexed(slack)
    await slack.user.slash_command("search paper stuck tag:jam", user_id="U2", channel_id="C1")
    again = await wait_ephemeral(api, said_to("U2", "Search: “tag:jam paper stuck”"))
    assert "flow `printer-jam`" in plain(again)
    await slack.user.slash_command("start printer-jam", user_id="U2", channel_id="C2")
    await api.wait_for(lambda c: c.path.endswith("chat.postMessage") and "Is paper stuck" in plain(c.data), WAIT_S)

    # exported: the newest version as a YAML file that loads again
    await slack.user.slash_command("flow export printer-jam", user_id="U2", channel_id="C1")
    await api.wait_for(lambda _: len(api.uploads) == 2, WAIT_S)
    exported = api.uploads[1]
    assert (exported.filename, exported.channel) == ("printer-jam.yaml", "C1")
    flow = parse_flow_text(exported.data.decode(), exported.filename)
    assert (flow.key, flow.status, flow.tags, flow.folder) == (
        "printer-jam",
        FlowStatus.PUBLISHED,
        ("printer", "jam"),
        "devices/printers",
    )
    assert [n.id for n in flow.nodes] == ["ask", "clear", "done"]
    # the channel share arrived twice (the message and its app_mention): it was read and answered once
    assert len([e for e in api.ephemerals() if "nothing was saved" in plain(e)]) == 1
