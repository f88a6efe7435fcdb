"""Every shell and Python block of README.md and of the emulator's README runs as written, in order.

The blocks run as a newcomer would run them in a fresh clone, with `.venv` activated: one working directory
(a temporary one, holding `langgraph.json`, `graphs/` and the project's `.venv`), `.runtime/` inside it, `HOME`
inside it, and one served emulator (`b24 emulator serve`) whose printed webhook URL is `B24_WEBHOOK_URL`.
The substitutions, and nothing else:

- the webhook URL the README tells you to replace (`https://your-portal.bitrix24.com/rest/1/WEBHOOK_CODE/`)
  becomes the served emulator's;
- `PLAN_ID` becomes the newest pending plan (one is filed with `b24 call … --plan-only` when none is pending);
- the README's port numbers become free ports (a second run of the suite may hold the usual ones); a server
  started without `--port` gets the free port standing for its default.

A block preceded by `<!-- readme-test: … -->` is checked up to the point the marker names:

- a marker that says `server`: servers are started, probed until they accept connections, and stopped after the
  next block (a server the README backgrounds with `&` keeps running beside the following lines; a foreground
  server runs until the next server line); every other line runs as usual; the block's `export`s end with it;
- any other marker (a real model, a real portal, PyPI): Python is compiled, `b24` commands are parsed with
  `--help`, other shell lines with `bash -n`; JSON blocks are always parsed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
READMES = (ROOT / "README.md", ROOT / "b24_tools" / "emulator" / "README.md")
BIN = Path(sys.executable).parent
PLACEHOLDER_URL = "https://your-portal.bitrix24.com/rest/1/WEBHOOK_CODE/"
README_PORTS = (8765, 8790, 2024, 8088, 8080, 8700, 8791)
DEFAULT_PORTS = {
    "emulator serve": 8765,
    "review serve": 8790,
    "events serve": 8088,
    "app serve": 8080,
    "mcp serve": 8791,
}
FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!--\s*readme-test:\s*(.+?)\s*-->\s*$")
SERVER = re.compile(r"(\bb24\b.*\bserve\b|\blanggraph dev\b)")

DRIVER = r"""
import json, sys, traceback
ns = {"__name__": "__main__"}
for line in sys.stdin:
    path = line.strip()
    code = open(path, encoding="utf-8").read()
    try:
        exec(compile(code, path, "exec"), ns)
        result = {"ok": True}
    except BaseException:
        result = {"ok": False, "error": traceback.format_exc()}
    sys.stdout.flush()
    sys.stderr.flush()
    with open(path + ".result", "w", encoding="utf-8") as fh:
        json.dump(result, fh)
"""


@dataclass
class Block:
    readme: str
    line: int
    lang: str
    text: str
    marker: str | None

    @property
    def where(self) -> str:
        return f"{self.readme}:{self.line}"


def extract(path: Path) -> list[Block]:
    """Fenced blocks of one README with the `readme-test` marker right before each (blank lines allowed)."""
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        start = i
        j = i + 1
        while not lines[j].startswith("```"):
            j += 1
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mk = MARKER.match(lines[k]) if k >= 0 else None
        blocks.append(
            Block(
                path.name, start + 1, m.group(1), "\n".join(lines[start + 1 : j]), mk.group(1) if mk else None
            )
        )
        i = j + 1
    return blocks


def commands(script: str) -> list[str]:
    """Logical shell lines: continuations joined, blank and comment-only lines dropped."""
    out: list[str] = []
    buf = ""
    for raw in script.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        buf = re.sub(r"(^|\s+)#(\s.*)?$", "", buf)  # a trailing comment (the READMEs quote no `#`)
        if buf.strip():
            out.append(buf.strip())
        buf = ""
    return out


def free_port(span: int = 1) -> int:
    """A loopback port with `span` free ports from it (an emulator farm takes PORT+1…PORT+N)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + span > 65535:
            continue
        if all(_free(port + n) for n in range(1, span)):
            return port
    raise RuntimeError("no free port")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"server did not listen on {port}:\n{log.read_text(errors='replace')}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass


@dataclass
class Session:
    work: Path
    env: dict[str, str]
    ports: dict[int, int]
    webhook: str
    servers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    lingering: list[subprocess.Popen[bytes]] = field(default_factory=list)
    python: subprocess.Popen[str] | None = None
    n: int = 0

    # -- substitutions --------------------------------------------------------------------------------------
    def substitute(self, text: str) -> str:
        text = text.replace(PLACEHOLDER_URL, self.webhook)
        return re.sub(
            r"(?<!\d)(" + "|".join(map(str, README_PORTS)) + r")(?!\d)",
            lambda m: str(self.ports[int(m[1])]),
            text,
        )

    def with_default_port(self, cmd: str) -> tuple[str, int | None]:
        m = re.search(r"--port\s+(\d+)", cmd)
        if m:
            return cmd, int(m.group(1))
        for name, port in DEFAULT_PORTS.items():
            if name in cmd and (name != "mcp serve" or "--transport http" in cmd):
                mapped = self.ports[port]
                body, amp, rest = cmd.partition(" &")
                return f"{body} --port {mapped}{amp}{rest}", mapped
        if "langgraph dev" in cmd:
            return cmd, self.ports[2024]
        return cmd, None

    def plan_id(self) -> str:
        listed = self.b24("review", "list", "--json")
        pending = [p for p in json.loads(listed) if p.get("status", "pending") == "pending"]
        if pending:
            return str(pending[0]["plan_id"])
        self.n += 1
        title = (
            f"Filed for a README line ({self.n})"  # distinct params: a new plan, not the last one found again
        )
        filed = self.b24(
            "call", "crm.lead.add", "--params", json.dumps({"fields": {"TITLE": title}}), "--plan-only"
        )
        return str(json.loads(filed)["plan_id"])

    def b24(self, *args: str) -> str:
        r = subprocess.run(
            [str(BIN / "b24"), *args],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode in (0, 5), f"b24 {' '.join(args)} → {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r.stdout

    # -- shell ----------------------------------------------------------------------------------------------
    def run_shell(self, block: Block) -> None:
        server_mode = block.marker is not None and "server" in block.marker
        if block.marker is not None and not server_mode:
            self.check_shell(block)
            return
        for cmd in commands(block.text):
            cmd = self.substitute(cmd)
            if cmd.startswith("export "):
                for word in shlex.split(cmd)[1:]:
                    key, _, value = word.partition("=")
                    self.env[key] = value
                continue
            if "PLAN_ID" in cmd:
                cmd = cmd.replace("PLAN_ID", self.plan_id())
            if server_mode and SERVER.search(cmd):
                self.start_server(cmd, block)
                continue
            r = subprocess.run(
                ["bash", "-o", "pipefail", "-c", cmd],
                cwd=self.work,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            # 5 is "pending review", the documented outcome of a write that files a plan
            assert r.returncode in (0, 5), (
                f"{block.where}: `{cmd}` exited {r.returncode}\n{r.stdout}\n{r.stderr}"
            )

    def start_server(self, cmd: str, block: Block) -> None:
        background = cmd.endswith("&")
        cmd, port = self.with_default_port(cmd.removesuffix("&").strip())
        assert port is not None, f"{block.where}: cannot tell which port `{cmd}` listens on"
        if not background:
            for proc in self.servers:
                if not getattr(proc, "b24_background", False):
                    stop(proc)
        self.n += 1
        log = self.work / f".readme-server-{self.n}.log"
        with log.open("wb") as fh:
            proc = subprocess.Popen(
                ["bash", "-c", cmd],
                cwd=self.work,
                env=self.env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        proc.b24_background = background  # type: ignore[attr-defined]
        self.servers.append(proc)
        try:
            wait_port(port, proc, log)
        except AssertionError as exc:
            raise AssertionError(f"{block.where}: `{cmd}`: {exc}") from None

    def check_shell(self, block: Block) -> None:
        r = subprocess.run(["bash", "-n", "-c", block.text], capture_output=True, text=True)
        assert r.returncode == 0, f"{block.where}: {r.stderr}"
        for cmd in commands(block.text):
            words = shlex.split(cmd, comments=True)
            while words and re.match(r"^[A-Z_0-9]+=", words[0]):
                words.pop(0)
            if not words or words[0] not in ("b24", ".venv/bin/b24"):
                continue
            sub = []
            for w in words[1:]:
                if not re.fullmatch(r"[a-z][a-z0-9-]*", w):
                    break
                sub.append(w)
            r = subprocess.run(
                [str(BIN / "b24"), *sub, "--help"],
                cwd=self.work,
                env=self.env,
                capture_output=True,
                text=True,
            )
            assert r.returncode == 0, f"{block.where}: `b24 {' '.join(sub)} --help`: {r.stdout}{r.stderr}"

    # -- python ---------------------------------------------------------------------------------------------
    def run_python(self, block: Block) -> None:
        code = self.substitute(block.text)
        if block.marker is not None and "server" not in block.marker:
            import ast

            compile(code, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            return
        if self.python is None:
            self.python = subprocess.Popen(
                [sys.executable, "-c", DRIVER],
                cwd=self.work,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=(self.work / ".readme-python.log").open("w"),
                stderr=subprocess.STDOUT,
                text=True,
            )
        self.n += 1
        path = self.work / f".readme-block-{self.n}.py"
        path.write_text(code, encoding="utf-8")
        result = Path(str(path) + ".result")
        assert self.python.stdin is not None
        self.python.stdin.write(f"{path}\n")
        self.python.stdin.flush()
        deadline = time.monotonic() + 180
        while not result.exists():
            assert self.python.poll() is None, (self.work / ".readme-python.log").read_text()
            assert time.monotonic() < deadline, f"{block.where}: timed out"
            time.sleep(0.05)
        time.sleep(0.05)
        outcome = json.loads(result.read_text())
        assert outcome["ok"], f"{block.where}:\n{outcome['error']}"

    def run(self, block: Block) -> None:
        previous, before, env = self.lingering, set(map(id, self.servers)), dict(self.env)
        try:
            if block.lang == "json":
                json.loads(block.text)
            elif block.lang in ("bash", "sh", "shell", "console"):
                self.run_shell(block)
            elif block.lang == "python":
                self.run_python(block)
        finally:
            for proc in previous:
                stop(proc)
            if block.marker and "server" in block.marker:
                self.env = env  # what a server block exports is for its servers
            self.lingering = [p for p in self.servers if id(p) not in before and p.poll() is None]
            self.servers = [p for p in self.servers if p.poll() is None]

    def close(self) -> None:
        for proc in self.servers:
            stop(proc)
        if self.python is not None:
            assert self.python.stdin is not None
            self.python.stdin.close()
            try:
                self.python.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.python.kill()


@pytest.fixture
def session(tmp_path: Path) -> object:
    work = tmp_path / "clone"
    work.mkdir()
    (work / ".venv").symlink_to(BIN.parent)
    shutil.copy(ROOT / "langgraph.json", work / "langgraph.json")
    shutil.copytree(ROOT / "graphs", work / "graphs")
    (work / "home").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "LANGGRAPH", "LANGSMITH"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(BIN.parent),
        HOME=str(work / "home"),
        B24_RUNTIME_DIR=str(work / ".runtime"),
        B24_RATE_LIMITER="off",
        LANGGRAPH_CLI_NO_ANALYTICS="1",
        PYTHONUNBUFFERED="1",
    )
    env.pop("OPENAI_API_KEY", None)
    ports = {p: free_port(4 if p == 8700 else 1) for p in README_PORTS}
    port = free_port()
    log = work / ".readme-emulator.log"
    with log.open("wb") as fh:
        emulator = subprocess.Popen(
            [
                str(BIN / "b24"),
                "emulator",
                "serve",
                "--port",
                str(port),
                "--db",
                str(tmp_path / "portal.sqlite"),
            ],
            cwd=work,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_port(port, emulator, log)
        printed = re.search(r"http://127\.0\.0\.1:\d+/rest/\S+/", log.read_text())
        assert printed, log.read_text()
        env["B24_WEBHOOK_URL"] = printed.group(0)
        s = Session(work=work, env=env, ports=ports, webhook=printed.group(0))
        yield s
        s.close()
    finally:
        stop(emulator)


def test_extracts_every_block_with_its_marker() -> None:
    blocks = [b for readme in READMES for b in extract(readme)]
    assert {b.lang for b in blocks} <= {"bash", "python", "json", ""}
    assert any(b.marker and "server" in b.marker for b in blocks)
    assert commands("a \\\n  b  # c\n# only\n\nd") == ["a    b", "d"]


def test_readmes_run_as_written(session: Session) -> None:
    for readme in READMES:
        for block in extract(readme):
            session.run(block)
