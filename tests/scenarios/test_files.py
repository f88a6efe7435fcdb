"""b24_upload_file: the model names a path or URL; the tool reads it (capped, inside the files folder), uploads
it to Drive and attaches it to a task. Nothing is read from beyond loopback; nothing outside the folder is sent."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from b24_tools import B24Toolkit, Emulator
from b24_tools.toolkits._files import UploadFileTool, read_source

PDF = b"%PDF-1.4 signed contract\n" * 10


@pytest.fixture
def portal() -> Iterator[tuple[Emulator, object]]:
    emu = Emulator()
    emu.seed(tasks=2)
    client = emu.client()
    yield emu, client
    client.close()
    emu.close()


@pytest.fixture
def loopback_file() -> Iterator[str]:
    """An http server on 127.0.0.1 serving one PDF (tests never fetch from the internet)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path != "/files/offer.pdf":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(PDF)))
            self.end_headers()
            self.wfile.write(PDF)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/files/offer.pdf"
    server.shutdown()


def _root_folder(client) -> int:
    [shared] = [s for s in client.call("disk.storage.getlist").result if s["ENTITY_TYPE"] == "common"]
    return int(shared["ROOT_OBJECT_ID"])


def test_a_local_file_is_uploaded_and_attached_to_a_task(portal, tmp_path: Path):
    emu, client = portal
    (tmp_path / "contract.pdf").write_bytes(PDF)
    tool = UploadFileTool(
        B24Toolkit(client, packs=("core", "content"), confirm_write=True).runtime(), base_dir=tmp_path
    )
    msg = tool.invoke({"type": "tool_call", "id": "u", "name": tool.name,
                       "args": {"source": "contract.pdf", "folderId": _root_folder(client), "taskId": 1}})  # fmt: skip
    assert msg.status != "error", msg.content
    file_id = msg.artifact["result"]["ID"]
    assert (
        msg.content
        == f"Uploaded contract.pdf ({len(PDF):,} bytes, application/pdf) as Drive file {file_id}. Task 1: attached."
    )
    assert "base64" not in msg.content and len(msg.content) < 200
    assert client.call("disk.file.get", {"id": file_id}).result["SIZE"] == str(len(PDF))
    assert emu.records("task", ID=1)[0]["UF_TASK_WEBDAV_FILES"] == [f"n{file_id}"]


def test_a_url_on_loopback_is_fetched_with_its_mime_type(portal, loopback_file: str, tmp_path: Path):
    emu, client = portal
    name, data, mime = read_source(loopback_file, base_dir=tmp_path)
    assert (name, data, mime) == ("offer.pdf", PDF, "application/pdf")
    tool = UploadFileTool(
        B24Toolkit(client, packs=("content",), confirm_write=True).runtime(), base_dir=tmp_path
    )
    out = tool.invoke({"source": loopback_file, "folderId": _root_folder(client), "name": "Offer 2026.pdf"})
    assert out.startswith(f"Uploaded Offer 2026.pdf ({len(PDF):,} bytes, application/pdf)")


def test_paths_outside_the_files_folder_and_big_files_are_refused_before_any_upload(portal, tmp_path: Path):
    emu, client = portal
    inside = tmp_path / "box"
    inside.mkdir()
    (tmp_path / "secret.txt").write_text("do not send")
    (inside / "big.bin").write_bytes(b"x" * 2048)
    tool = UploadFileTool(
        B24Toolkit(client, packs=("content",), confirm_write=True).runtime(), base_dir=inside, cap=1024
    )
    folder = _root_folder(client)
    before = emu.count("disk_object")
    for source, expect in (("../secret.txt", "outside the files folder"), (str(tmp_path / "secret.txt"), "outside"),
                           ("big.bin", "over the 1,024 byte cap"), ("missing.pdf", "no file at"),
                           ("ftp://example.com/x", "unsupported source")):  # fmt: skip
        text = tool.invoke({"source": source, "folderId": folder})
        assert expect in text, (source, text)
    assert emu.count("disk_object") == before


def test_with_review_the_upload_waits_as_a_plan(scenario, tmp_path: Path):
    s = scenario("content", "core")
    (tmp_path / "notes.txt").write_bytes(b"meeting notes")
    tool = UploadFileTool(s.tools["disk_folder_uploadfile"].runtime, base_dir=tmp_path)
    msg = tool.invoke({"type": "tool_call", "id": "p", "name": tool.name,
                       "args": {"source": "notes.txt", "folderId": _root_folder(s.client), "taskId": 1}})  # fmt: skip
    assert msg.artifact["status"] == "pending" and "Pending human review" in msg.content
    assert "After approval attach it with tasks_task_update" in msg.content
    res = s.approvals.approve(msg.artifact["plan_id"], reviewer="r")
    assert res.status == "executed" and res.result["NAME"] == "notes.txt" and res.result["SIZE"] == "13"
