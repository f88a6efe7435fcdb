"""Curated catalog entries of the content pack: the methods its toolkit exposes as typed tools."""

from __future__ import annotations

from typing import Any

from ._shared import _SELECT, Curated, _m

__all__ = ["ENTRIES"]

ENTRIES: tuple[Curated, ...] = (
    # ------------------------------------------------------------------ content
    Curated(
        method="disk.storage.getlist",
        pack="content",
        risk="read",
        description="List Drive storages (user, group, company).",
        params=_m("DiskStorageGetlist", filter=(dict[str, Any], None, '{"ENTITY_TYPE":"user"}')),
        result="list",
        scope=("disk",),
        example={},
    ),
    Curated(
        method="disk.storage.getchildren",
        pack="content",
        risk="read",
        description="List files/folders at a storage root.",
        params=_m("DiskStorageGetchildren", id=(int, ..., "storage ID")),
        result="list",
        scope=("disk",),
        example={"id": 1},
    ),
    Curated(
        method="disk.folder.getchildren",
        pack="content",
        risk="read",
        description="List files/folders in a folder.",
        params=_m("DiskFolderGetchildren", id=(int, ..., "folder ID")),
        result="list",
        scope=("disk",),
        example={"id": 1},
    ),
    Curated(
        method="disk.folder.addsubfolder",
        pack="content",
        risk="write",
        description="Create a subfolder.",
        params=_m(
            "DiskFolderAddsubfolder",
            id=(int, ..., "parent folder ID"),
            data=(dict[str, Any], ..., '{"NAME":"Reports"}'),
        ),
        result="object",
        scope=("disk",),
        example={"id": 1, "data": {"NAME": "Reports"}},
    ),
    Curated(
        method="disk.folder.uploadfile",
        pack="content",
        risk="write",
        description="Upload a file (base64) into a folder.",
        params=_m(
            "DiskFolderUploadfile",
            id=(int, ..., "folder ID"),
            data=(dict[str, Any], ..., '{"NAME":"a.txt"}'),
            fileContent=(list[str], ..., '["a.txt","<base64>"]'),
        ),
        result="object",
        scope=("disk",),
        example={"id": 1, "data": {"NAME": "a.txt"}, "fileContent": ["a.txt", "aGk="]},
    ),
    Curated(
        method="disk.file.get",
        pack="content",
        risk="read",
        description="Get file metadata (incl. DOWNLOAD_URL).",
        params=_m("DiskFileGet", id=(int, ..., "file ID")),
        result="object",
        scope=("disk",),
        example={"id": 1},
    ),
    Curated(
        method="disk.file.moveto",
        pack="content",
        risk="write",
        description="Move a file to another folder.",
        params=_m("DiskFileMoveto", id=(int, ..., "file ID"), targetFolderId=(int, ..., "folder ID")),
        result="object",
        scope=("disk",),
        example={"id": 1, "targetFolderId": 2},
    ),
    Curated(
        method="disk.file.markdeleted",
        pack="content",
        risk="destructive",
        description="Move a file to the trash.",
        params=_m("DiskFileMarkdeleted", id=(int, ..., "file ID")),
        result="object",
        scope=("disk",),
        example={"id": 1},
    ),
    # ------------------------------------------------------------------ boards (scrum)
    Curated(
        method="documentgenerator.template.list",
        pack="content",
        risk="read",
        description="List document templates (invoices, contracts).",
        params=_m("DocgenTemplateList", filter=(dict[str, Any], None, '{"active":"Y"}'), select=_SELECT),
        result="list",
        scope=("documentgenerator",),
        example={},
    ),
    Curated(
        method="documentgenerator.document.add",
        pack="content",
        risk="write",
        description="Generate a document from a template for a record.",
        params=_m(
            "DocgenDocumentAdd",
            templateId=(int, ..., "template"),
            value=(str, ..., "record ID"),
            providerClassName=(str, None, "data provider class"),
            values=(dict[str, Any], None, "field overrides"),
        ),
        result="object",
        scope=("documentgenerator",),
        example={"templateId": 1, "value": "5"},
    ),
    Curated(
        method="disk.file.copyto",
        pack="content",
        risk="write",
        description="Copy a file into a folder.",
        params=_m("DiskFileCopyto", id=(int, ..., "file ID"), targetFolderId=(int, ..., "folder ID")),
        result="file",
        scope=("disk",),
        example={"id": 99, "targetFolderId": 1},
    ),
    Curated(
        method="disk.file.delete",
        pack="content",
        risk="destructive",
        description="Delete a file for good (no recycle bin).",
        params=_m("DiskFileDelete", id=(int, ..., "file ID")),
        result="bool",
        scope=("disk",),
        example={"id": 99},
    ),
)
