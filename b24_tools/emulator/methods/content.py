"""Content pack: Disk storages, folders and files in one object tree; the document generator.

Docs: api-reference/disk/storage/disk-storage-{get-list,get-children}.md,
api-reference/disk/folder/disk-folder-{get-children,add-subfolder,upload-file}.md,
api-reference/disk/file/disk-file-{get,move-to,mark-deleted}.md. Uploads are not allowed in batch (batch.md).
api-reference/document-generator/templates/document-generator-template-list.md,
api-reference/document-generator/document-generator-document-add.md.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .._crm import crm_exists
from .._errors import ApiError
from .._registry import Answer, Ctx, Registry

__all__ = ["register"]

_STORAGES = [(1, "Shared drive", "common", "shared_files_s1"), (2, "My Drive", "user", None)]


def _not_found(id: Any) -> ApiError:
    return ApiError("ERROR_NOT_FOUND", f"Could not find entity with id '{id}'", 404)


def _ensure_roots(ctx: Ctx) -> None:
    store = ctx.portal.store
    for sid, name, _, _ in _STORAGES:
        if store.get("disk_object", sid) is None:
            now = ctx.portal.clock.iso()
            store.insert("disk_object", {"NAME": name, "CODE": None, "STORAGE_ID": str(sid), "TYPE": "folder",
                                         "PARENT_ID": None, "DELETED_TYPE": "0", "CREATE_TIME": now,
                                         "UPDATE_TIME": now, "DELETE_TIME": None, "CREATED_BY": "1",
                                         "UPDATED_BY": "1", "DELETED_BY": "0"}, id=sid)  # fmt: skip


def _object(ctx: Ctx, raw_id: Any, kind: str | None = None) -> tuple[int, dict[str, Any]]:
    _ensure_roots(ctx)
    try:
        oid = int(raw_id)
    except (TypeError, ValueError):
        raise ApiError("ERROR_ARGUMENT", "Invalid value of parameter { id }", 400) from None
    data = ctx.portal.store.get("disk_object", oid)
    if data is None or (kind is not None and data["TYPE"] != kind):
        raise _not_found(oid)
    return oid, data


def _render(ctx: Ctx, oid: int, data: dict[str, Any]) -> dict[str, Any]:
    out = {"ID": str(oid), **data}
    if data["TYPE"] == "folder":
        out["REAL_OBJECT_ID"] = str(oid)
    else:
        out["DOWNLOAD_URL"] = f"{ctx.portal.base_url}/rest/download.json?token=disk|{oid}"
    out["DETAIL_URL"] = f"{ctx.portal.base_url}/docs/path/{data['NAME']}"
    return out


def _children(ctx: Ctx, parent: int) -> list[dict[str, Any]]:
    rows = ctx.portal.store.select("disk_object", "json_extract(data,'$.PARENT_ID') = ?", [str(parent)])
    return [_render(ctx, i, d) for i, d in rows if d.get("DELETED_TYPE") == "0"]


def storage_getlist(ctx: Ctx, params: dict[str, Any]) -> Any:
    return [{"ID": str(sid), "NAME": name, "CODE": None, "MODULE_ID": "disk", "ENTITY_TYPE": etype,
             "ENTITY_ID": eid or str(ctx.user_id), "ROOT_OBJECT_ID": str(sid)}
            for sid, name, etype, eid in _STORAGES]  # fmt: skip


def storage_getchildren(ctx: Ctx, params: dict[str, Any]) -> Any:
    sid = params.get("id")
    if str(sid) not in {str(s[0]) for s in _STORAGES}:
        raise _not_found(sid)
    _ensure_roots(ctx)
    return _children(ctx, int(sid))  # type: ignore[arg-type]


def folder_getchildren(ctx: Ctx, params: dict[str, Any]) -> Any:
    oid, _ = _object(ctx, params.get("id"), "folder")
    return _children(ctx, oid)


def _new_object(
    ctx: Ctx, parent_id: int, parent: dict[str, Any], name: str, kind: str, size: int = 0
) -> tuple[int, dict]:
    store = ctx.portal.store
    for _i, d in store.select("disk_object", "json_extract(data,'$.PARENT_ID') = ?", [str(parent_id)]):
        if d["NAME"] == name and d["DELETED_TYPE"] == "0":
            raise ApiError("DISK_OBJ_22000", "File or folder with this name already exists", 400)
    oid = store.next_seq("disk_object") + 100
    now = ctx.portal.clock.iso()
    row = {"NAME": name, "CODE": None, "STORAGE_ID": parent["STORAGE_ID"], "TYPE": kind, "PARENT_ID": str(parent_id),
           "DELETED_TYPE": "0", "CREATE_TIME": now, "UPDATE_TIME": now, "DELETE_TIME": None,
           "CREATED_BY": str(ctx.user_id), "UPDATED_BY": str(ctx.user_id), "DELETED_BY": "0"}  # fmt: skip
    if kind == "file":
        row.update({"GLOBAL_CONTENT_VERSION": "1", "FILE_ID": str(oid), "SIZE": str(size)})
    store.insert("disk_object", row, id=oid)
    return oid, row


def folder_addsubfolder(ctx: Ctx, params: dict[str, Any]) -> Any:
    pid, parent = _object(ctx, params.get("id"), "folder")
    data = params["data"] if isinstance(params.get("data"), dict) else {}
    name = str(data.get("NAME") or "").strip()
    if not name:
        raise ApiError("ERROR_ARGUMENT", "Invalid value of parameter { data[NAME] }", 400)
    oid, row = _new_object(ctx, pid, parent, name, "folder")
    out = _render(ctx, oid, row)
    out["ID"] = oid
    out["REAL_OBJECT_ID"] = oid
    return out


def folder_uploadfile(ctx: Ctx, params: dict[str, Any]) -> Any:
    pid, parent = _object(ctx, params.get("id"), "folder")
    data = params["data"] if isinstance(params.get("data"), dict) else {}
    content = params.get("fileContent")
    name = data.get("NAME") or (content[0] if isinstance(content, list) and content else None)
    if not name:
        raise ApiError("ERROR_ARGUMENT", "Invalid value of parameter { data[NAME] }", 400)
    size = 0
    if isinstance(content, list) and len(content) > 1:
        try:
            size = len(base64.b64decode(str(content[1]), validate=False))
        except (ValueError, binascii.Error):
            size = 0
    elif isinstance(content, dict):
        size = int(content.get("size", 0))
    oid, row = _new_object(ctx, pid, parent, str(name), "file", size)
    return _render(ctx, oid, row)


def file_get(ctx: Ctx, params: dict[str, Any]) -> Any:
    oid, data = _object(ctx, params.get("id"), "file")
    return _render(ctx, oid, data)


def file_moveto(ctx: Ctx, params: dict[str, Any]) -> Any:
    oid, data = _object(ctx, params.get("id"), "file")
    target_id, target = _object(ctx, params.get("targetFolderId"), "folder")
    data["PARENT_ID"] = target_id
    data["STORAGE_ID"] = target["STORAGE_ID"]
    data["UPDATE_TIME"] = ctx.portal.clock.iso()
    ctx.portal.store.put("disk_object", oid, {**data, "PARENT_ID": str(target_id)})
    return _render(ctx, oid, data)


def file_copyto(ctx: Ctx, params: dict[str, Any]) -> Any:
    """A new file object in the target folder, same name and size (disk/file/disk-file-copy-to.md)."""
    _oid, data = _object(ctx, params.get("id"), "file")
    target_id, target = _object(ctx, params.get("targetFolderId"), "folder")
    new_id, row = _new_object(ctx, target_id, target, data["NAME"], "file", int(data.get("SIZE") or 0))
    return _render(ctx, new_id, row)


def file_delete(ctx: Ctx, params: dict[str, Any]) -> Any:
    """Deleted for good, bypassing the recycle bin (disk/file/disk-file-delete.md)."""
    oid, _data = _object(ctx, params.get("id"), "file")
    ctx.portal.store.delete("disk_object", oid)
    return True


def file_markdeleted(ctx: Ctx, params: dict[str, Any]) -> Any:
    oid, data = _object(ctx, params.get("id"), "file")
    data.update({"DELETED_TYPE": "3", "DELETE_TIME": ctx.portal.clock.iso(), "DELETED_BY": str(ctx.user_id)})
    ctx.portal.store.put("disk_object", oid, data)
    return _render(ctx, oid, data)


_TEMPLATE = {"id": "1", "active": "Y", "name": "Invoice template", "code": "EMULATOR_INVOICE", "region": "us", "sort": "500",
             "createTime": "2026-01-05T09:00:00+00:00", "updateTime": "2026-01-05T09:00:00+00:00", "createdBy": "1",
             "updatedBy": "1", "moduleId": "rest", "fileId": "1", "numeratorId": "1", "withStamps": "N",
             "providers": ["bitrix\\crm\\integration\\documentgenerator\\dataprovider\\deal"], "users": ["UA"]}  # fmt: skip


def template_list(ctx: Ctx, params: dict[str, Any]) -> Any:
    return Answer({"templates": {"1": _TEMPLATE}}, total=1, records=1)


def document_add(ctx: Ctx, params: dict[str, Any]) -> Any:
    if str(params.get("templateId") or "") != "1":
        raise ApiError("DOCUMENTGENERATOR_TEMPLATE_NOT_FOUND", "Template not found", 400)
    value = params.get("value")
    if value in (None, ""):
        raise ApiError("DOCUMENTGENERATOR_VALUE_REQUIRED", "Parameter value is required", 400)
    provider = str(params.get("providerClassName") or "")
    if provider.lower().endswith("\\deal") and not crm_exists(ctx, "deal", value):
        raise ApiError("DOCUMENTGENERATOR_PROVIDER_VALUE", "Deal not found", 400)
    store = ctx.portal.store
    number = f"DOC-{store.count('generated_document') + 1:04d}"
    now = ctx.portal.clock.iso()
    doc = {"publicUrl": None, "title": f"{_TEMPLATE['name']} {number}", "number": number, "createTime": now,
           "createdBy": ctx.user_id, "updateTime": now, "updatedBy": None, "stampsEnabled": bool(params.get("stampsEnabled")),
           "isTransformationError": False, "value": str(value), "values": params.get("values") or {},
           "templateId": 1}  # fmt: skip
    doc_id = store.insert("generated_document", doc)
    return {
        "document": {"id": doc_id, "downloadUrl": f"{ctx.portal.base_url}/docgen/{doc_id}/download", **doc}
    }


def register(reg: Registry) -> None:
    for name, fn, write, batch_ok in (
        ("disk.storage.getlist", storage_getlist, False, True),
        ("disk.storage.getchildren", storage_getchildren, False, True),
        ("disk.folder.getchildren", folder_getchildren, False, True),
        ("disk.folder.addsubfolder", folder_addsubfolder, True, True),
        ("disk.folder.uploadfile", folder_uploadfile, True, False),  # batch.md: no file upload in batch
        ("disk.file.get", file_get, False, True),
        ("disk.file.moveto", file_moveto, True, True),
        ("disk.file.markdeleted", file_markdeleted, True, True),
        ("disk.file.copyto", file_copyto, True, True),
        ("disk.file.delete", file_delete, True, True),
    ):  # fmt: skip
        reg.add(name, fn, scope="disk", write=write, batch_ok=batch_ok, pack="content")
    reg.add("documentgenerator.template.list", template_list, scope="documentgenerator", pack="content")
    reg.add(
        "documentgenerator.document.add", document_add, scope="documentgenerator", write=True, pack="content"
    )
