"""Files for the content pack: `b24_upload_file` reads a local file or a URL itself and uploads it to Drive,
optionally attaching it to a task — the model passes a path or URL, never file content or base64.

Local paths must lie inside the toolkit's files folder (default: the working directory), so a model cannot send
arbitrary files of the machine to the portal; files over FILE_SIZE_CAP are refused before anything is read in
full. The upload and the attach are ordinary writes: policy-checked, and with `approvals=` they become plans.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from pydantic import Field

from .._errors import B24ValidationError
from ..catalog.curated import P
from ._discovery import _DiscoveryTool
from ._runtime import Runtime
from ._tool import outcome_to_content

__all__ = ["FILE_SIZE_CAP", "UploadFileTool", "pack_extra_tools", "read_source"]

FILE_SIZE_CAP = (
    5 * 1024 * 1024
)  # bytes; the whole content travels in one request (and in a plan under review)


class UploadArgs(P):
    source: str = Field(description="file path (inside the files folder) or http(s) URL")
    folderId: int = Field(description="Drive folder ID, e.g. a storage's ROOT_OBJECT_ID")
    name: str | None = Field(None, description="file name; default from the source")
    taskId: int | None = Field(None, description="attach to this task after upload")


def _too_big(size: int, cap: int) -> B24ValidationError:
    return B24ValidationError(
        f"file is {size:,} bytes, over the {cap:,} byte cap", hint="upload a smaller file or split it"
    )


def read_source(source: str, *, base_dir: Path, cap: int = FILE_SIZE_CAP) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) of a local path inside `base_dir` or an http(s) URL; refused over `cap`."""
    parts = urlsplit(source)
    if parts.scheme in ("http", "https"):
        with httpx.stream("GET", source, timeout=30.0, follow_redirects=False) as resp:
            if resp.status_code != 200:
                raise B24ValidationError(f"{source} answered HTTP {resp.status_code}", hint="check the URL")
            declared = int(resp.headers.get("content-length") or 0)
            if declared > cap:
                raise _too_big(declared, cap)
            data = b""
            for chunk in resp.iter_bytes():
                data += chunk
                if len(data) > cap:
                    raise _too_big(len(data), cap)
            mime = resp.headers.get("content-type", "").split(";")[0].strip()
        name = unquote(Path(parts.path).name) or "download"
        return name, data, mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if parts.scheme not in ("", "file"):
        raise B24ValidationError(f"unsupported source {source!r}", hint="pass a file path or an http(s) URL")
    root = base_dir.resolve()
    path = Path(unquote(parts.path) if parts.scheme == "file" else source).expanduser()
    path = (path if path.is_absolute() else root / path).resolve()
    if not path.is_relative_to(root):
        raise B24ValidationError(
            f"{source!r} is outside the files folder",
            hint=f"put the file under {root} (the toolkit's files_dir)",
        )
    if not path.is_file():
        raise B24ValidationError(f"no file at {source!r}", hint="check the path")
    size = path.stat().st_size
    if size > cap:
        raise _too_big(size, cap)
    return path.name, path.read_bytes(), mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class UploadFileTool(_DiscoveryTool):
    """Upload a file from a path or URL to a Drive folder; optionally attach it to a task."""

    base_dir: Path = Path(".")
    cap: int = FILE_SIZE_CAP

    def __init__(self, runtime: Runtime, *, base_dir: Path | None = None, cap: int = FILE_SIZE_CAP) -> None:
        super().__init__(
            runtime,
            name="b24_upload_file",
            description="Upload a file from a path or URL to a Drive folder, optionally attach it to a task. "
            "Pass the path or URL, never file content.",
            args_schema=UploadArgs,
            metadata={"risk": "write", "method": "disk.folder.uploadfile", "pack": "content"},
            base_dir=base_dir or Path.cwd(),
            cap=cap,
        )

    def _do(self, source: str, folderId: int, name: str | None = None, taskId: int | None = None,
            **_: Any) -> tuple[str, Any]:  # fmt: skip
        file_name, data, mime = read_source(source, base_dir=self.base_dir, cap=self.cap)
        file_name = name or file_name
        params = {"id": folderId, "data": {"NAME": file_name},
                  "fileContent": [file_name, base64.b64encode(data).decode("ascii")]}  # fmt: skip
        text, artifact = outcome_to_content(self.runtime.call("disk.folder.uploadfile", params))
        info = {"name": file_name, "bytes": len(data), "mime": mime}
        uploaded = artifact.get("result")
        if artifact.get("status") == "pending" or not isinstance(uploaded, dict):
            hint = " After approval attach it with tasks_task_update UF_TASK_WEBDAV_FILES." if taskId else ""
            return f"{file_name} ({len(data):,} bytes, {mime}): {text}{hint}", {**artifact, "file": info}
        file_id = uploaded.get("ID")
        out = f"Uploaded {file_name} ({len(data):,} bytes, {mime}) as Drive file {file_id}."
        if taskId:
            attach = {"taskId": taskId, "fields": {"UF_TASK_WEBDAV_FILES": [f"n{file_id}"]}}
            attached, attach_art = outcome_to_content(self.runtime.call("tasks.task.update", attach))
            out += f" Task {taskId}: " + ("attached." if attach_art.get("status") != "pending" else attached)
            artifact = {**artifact, "attach": attach_art}
        return out, {**artifact, "file": info}


def pack_extra_tools(pack: str, runtime: Runtime) -> list[Any]:
    """Hand-written tools a pack adds to its catalog tools (content: file upload from a path or URL)."""
    if pack == "content":
        return [UploadFileTool(runtime)]
    return []
