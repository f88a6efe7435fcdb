"""The generator reads method pages the way the official docs write them (checkout or bare git dir)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gen_catalog.py"
_spec = importlib.util.spec_from_file_location("gen_catalog", SCRIPT)
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

LEAD_GET = """# Get Lead by Id crm.lead.get

> Scope: [`crm`](../../scopes/permissions.md)
>
> Who can execute the method: any user

{% note warning "DEPRECATED" %}

The development of this method has been halted. Please use [crm.item.get](../universal/crm-item-get.md).

{% endnote %}

The method `crm.lead.get` returns a lead by its identifier.

## Method Parameters

#|
|| **Name**
`type` | **Description** ||
|| **id***
[`integer`](../../data-types.md) | The identifier of the lead ||
|| **select**
[`array`](../../data-types.md) | Fields ||
|#

## Code Examples

```js
call('crm.lead.delete', {id: 1})
```
"""

MOVE = """# Move File to Specified Folder disk.file.moveTo

> Scope: [`disk`](../../scopes/permissions.md)

The method `disk.file.moveTo` moves a file to the specified folder.

#|
|| **Name**
`type` | **Description** ||
|| **id^*^**
[`integer`](../../data-types.md) | Identifier of the file ||
|| **targetFolderId***
[`integer`](../../data-types.md) | Target ||
|#
"""

SCOPE_PAGE = """# Get a List of Available Permissions Scope

> Scope: [`basic`](../../scopes/permissions.md), [`sign.b2e`](../../scopes/permissions.md)

The `scope` method returns a list of permissions.

## Method Parameters

#|
|| **Name**
`type` | **Description** ||
|| **full**
[`boolean`](../../data-types.md) | All scopes ||
|#

### Additional Parameters

#|
|| **Name**
`type` | **Description** ||
|| **extra**
[`string`](../../data-types.md) | more ||
|#
"""


def _write_docs(root: Path) -> None:
    pages = {
        "api-reference/crm/leads/crm-lead-get.md": LEAD_GET,
        "api-reference/disk/file/disk-file-move-to.md": MOVE,
        "api-reference/common/system/scope.md": SCOPE_PAGE,
        "api-reference/common/index.md": "# Overview of common.methods\n",
        "settings/other.md": "# Not a method page foo.bar\n",
    }
    for rel, text in pages.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_page_gives_name_scope_required_params_summary_and_deprecation():
    name, entry = gen.parse_page("api-reference/crm/leads/crm-lead-get.md", LEAD_GET)
    assert name == "crm.lead.get"
    assert entry["scope"] == ["crm"] and entry["deprecated"] is True
    assert entry["params"] == [["id", "integer", True], ["select", "array", False]]
    assert entry["summary"] == "The method crm.lead.get returns a lead by its identifier."


def test_tables_without_a_heading_and_caret_marked_required_params():
    name, entry = gen.parse_page("api-reference/disk/file/disk-file-move-to.md", MOVE)
    assert name == "disk.file.moveTo"
    assert entry["params"] == [["id", "integer", True], ["targetFolderId", "integer", True]]


def test_dotless_methods_dotted_scopes_and_additional_parameters():
    name, entry = gen.parse_page("api-reference/common/system/scope.md", SCOPE_PAGE)
    assert name == "scope" and entry["scope"] == ["basic", "sign.b2e"]
    assert [p[0] for p in entry["params"]] == ["full", "extra"]


def test_generate_from_a_checkout_is_deterministic_and_skips_index_pages(tmp_path):
    docs = tmp_path / "docs"
    _write_docs(docs)
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    assert gen.main([str(docs), "--out", str(out1)]) == 0
    assert gen.main([str(docs), "--out", str(out2)]) == 0
    assert out1.read_bytes() == out2.read_bytes()
    text = out1.read_text()
    assert text.splitlines()[0].startswith('{"_generated":"GENERATED') and str(tmp_path) not in text
    data = json.loads(text)
    assert sorted(data["methods"]) == ["crm.lead.get", "disk.file.moveto", "scope"]
    assert data["source"]["repo"] == "bitrix24/b24restdocs"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_generate_from_a_bare_git_dir_records_the_commit(tmp_path):
    work = tmp_path / "work"
    _write_docs(work)
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "docs"]):
        subprocess.run(["git", *cmd], cwd=work, check=True, env=env, capture_output=True)
    bare = tmp_path / "docs.git"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(work), str(bare)], check=True, env=env, capture_output=True
    )
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=work, env=env, capture_output=True, text=True
    ).stdout.strip()
    out = tmp_path / "g.json"
    assert gen.main([str(bare), "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["source"]["commit"] == commit and "disk.file.moveto" in data["methods"]
