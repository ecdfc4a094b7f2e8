#!/usr/bin/env python3
"""Checks README.md, BENCHMARKS.md and docs/*.md against the tree and the real binaries.

Fails on:
  - a relative link to a file that does not exist, or to an #anchor that is no
    heading of its file (GitHub's slugs);
  - a scanctl or scand command in a fenced block that the binary's argument
    parsing rejects. scanctl talks to a stand-in socket that answers every
    request with an error: a usage error exits 2, a command that parsed sends
    its request and exits 1. scand gets a config path that does not exist: a
    usage error exits 2, a command that parsed exits 1 at the config. Nothing
    is scanned or changed. Placeholders (JOB, FILE ...) come from PLACEHOLDERS;
  - a config block after <!-- docs-check: config --> that scand --check-config
    rejects;
  - the Layers table of docs/architecture.md or the README's layout differing
    from daemon/'s folders in the order daemon/meson.build builds them;
  - a README longer than 150 lines.
Usage: docs_check.py SRCDIR SCANCTL SCAND"""
import importlib.machinery, importlib.util, json, os, re, shlex, socket, subprocess, sys, tempfile, threading

README_MAX_LINES = 150
MARK = "docs-check stand-in: parsed, not run"
CONFIG_MARK = "<!-- docs-check: config -->"
SHELL_INFO = ("", "sh", "shell", "bash", "console")
# Placeholders in documented commands and configs, and what stands in for them.
PLACEHOLDERS = {
    "JOB": "j000004-eed8",
    "FILE": "@targets",       # a file of targets the checker writes
    "hosts.txt": "@targets",
    "PATH": "@config",        # the config path (scand's is replaced anyway)
    "PPS": "5000",
    "KEY": "weekly-1",
}
CONFIG_PLACEHOLDERS = {"02:xx:xx:xx:xx:01": "02:00:00:00:00:01"}
# Files documented commands read from their working directory, as the
# checker writes them there (None: a copy of the shipped file named).
EXAMPLE_FILES = {
    "dns-query.bin": b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01",
    "req.tmpl": b"GET / HTTP/1.0\r\nHost: ${DADDR}\r\n\r\n",
    "my-payloads.conf": None,
}
SHIPPED_PAYLOADS = "config/udp-payloads.conf"


def md_files(root):
    docs = sorted(f"docs/{f}" for f in os.listdir(os.path.join(root, "docs")) if f.endswith(".md"))
    return ["README.md", "BENCHMARKS.md"] + docs


def fences(lines):
    """[(first line number, info string, [lines], marked as config)] of fenced blocks."""
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)(```+|~~~+)\s*(\S*)", lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = len(m.group(1)), m.group(2), m.group(3).lower()
        prev = next((l.strip() for l in reversed(lines[:i]) if l.strip()), "")
        body, j = [], i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j][indent:] if lines[j][:indent].isspace() else lines[j].lstrip())
            j += 1
        out.append((i + 1, info, body, prev == CONFIG_MARK))
        i = j + 1
    return out


def prose(lines):
    """The lines outside fenced blocks, with their numbers (inline code removed)."""
    inside, fence = False, ""
    for n, line in enumerate(lines, 1):
        m = re.match(r"^\s*(```+|~~~+)", line)
        if m and (not inside or line.strip().startswith(fence)):
            inside, fence = not inside, m.group(1)
            continue
        if not inside:
            yield n, re.sub(r"`[^`]*`", "", line)


def slug(heading):
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation
    dropped, blanks to hyphens."""
    h = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    h = re.sub(r"[^\w\- ]", "", h.strip().lower())
    return h.replace(" ", "-")


def anchors(path):
    seen, out = {}, set()
    for _, line in prose(open(path).read().splitlines()):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            s = slug(m.group(1))
            out.add(s if s not in seen else f"{s}-{seen[s]}")
            seen[s] = seen.get(s, 0) + 1
    return out


def check_links(root, f, lines):
    errors, n = [], 0
    for num, line in prose(lines):
        for m in re.finditer(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", line):
            target = m.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # https:, mailto:
            n += 1
            path, _, anchor = target.partition("#")
            here = os.path.join(root, f)
            dest = os.path.normpath(os.path.join(os.path.dirname(here), path)) if path else here
            if not os.path.exists(dest):
                errors.append(f"{f}:{num}: link to {target}: {os.path.relpath(dest, root)} does not exist")
            elif anchor and not dest.endswith(".md"):
                errors.append(f"{f}:{num}: link to {target}: an anchor into a file that is not markdown")
            elif anchor and anchor not in anchors(dest):
                errors.append(f"{f}:{num}: link to {target}: no heading with anchor #{anchor} in "
                              f"{os.path.relpath(dest, root)}")
    return errors, n


class StandIn(threading.Thread):
    """A control socket that answers every request with an error naming MARK."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(16)
        self.methods = []

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        buf = b""
        with conn:
            while data := conn.recv(65536):
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    try:
                        req = json.loads(line)
                    except ValueError:
                        continue
                    for r in req if isinstance(req, list) else [req]:
                        self.methods.append(r.get("method"))
                        if "id" in r:
                            err = {"code": -32601, "message": MARK}
                            conn.sendall(json.dumps({"jsonrpc": "2.0", "id": r["id"], "error": err})
                                         .encode() + b"\n")


def sh_words(text):
    """Words and operators of one shell line, as sh splits them: quotes,
    backslashes, a '#' that starts a word begins a comment. ValueError on an
    unterminated quote."""
    words, word, quote, i, started = [], "", None, 0, False
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = None
            elif c == "\\" and quote == '"' and i + 1 < len(text):
                i += 1
                word += text[i]
            else:
                word += c
        elif c in "'\"":
            quote, started = c, True
        elif c == "\\" and i + 1 < len(text):
            i += 1
            word, started = word + text[i], True
        elif c.isspace() or c in "|&;<>":
            if started:
                words.append(word)
            word, started = "", False
            if c in "|&;<>":
                op = c + (text[i + 1] if i + 1 < len(text) and text[i + 1] in "|&>" else "")
                words.append(op)
                i += len(op) - 1
        elif c == "#" and not started:
            break
        else:
            word, started = word + c, True
        i += 1
    if quote:
        raise ValueError(f"unterminated {quote}")
    return words + ([word] if started else [])


def commands(block):
    """(line offset, argv or an error text) of each scanctl/scand command in a
    shell block."""
    text, start = "", 0
    for i, line in enumerate(block):
        if not text:
            start = i
        line = re.sub(r"^\$ ", "", line)
        if line.rstrip().endswith("\\"):
            text += line.rstrip()[:-1] + " "
            continue
        text += line
        try:
            tokens = sh_words(text)
        except ValueError as e:
            if re.search(r"\b(scanctl|scand)\b", text):
                yield start, f"cannot split {text.strip()!r} as sh would: {e}"
            text = ""
            continue
        text = ""
        cmd = []
        for t in tokens + [";"]:
            if t in ("|", "||", "&&", ";", "&"):
                while cmd and (re.match(r"^[A-Za-z_]\w*=", cmd[0]) or cmd[0] == "sudo"):
                    cmd.pop(0)
                if cmd and cmd[0] in ("scanctl", "scand"):
                    yield start, cmd
                cmd = []
            elif t in (">", ">>", "<", ">&"):
                cmd.append(None)  # the next word is a file name: dropped below
            elif cmd and cmd[-1] is None:
                cmd.pop()
            else:
                cmd.append(t)


def without_option(args, names):
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in names:
            skip = True
        elif not any(a.startswith(n + "=") for n in names if n.startswith("--")):
            out.append(a)
    return out


def run_command(cmd, tools, tmp, standin):
    """An error text, or None when the command parses."""
    args = [tools[a] if a in ("@targets", "@config") else a
            for a in (PLACEHOLDERS.get(a, a) for a in cmd[1:])]
    if "..." in args:
        return "has '...': write the command out (placeholders: " + ", ".join(PLACEHOLDERS) + ")"
    helps = {"-h", "--help", "-V", "--version"}
    if cmd[0] == "scanctl":
        argv = [tools["scanctl"], "--socket", tools["socket"]] + without_option(args, ("--socket", "-s"))
    else:
        argv = [tools["scand"]] + without_option(args, ("--config", "-c")) + ["--config", tools["dead"]]
    env = {k: v for k, v in os.environ.items() if k != "SCAND_SOCKET"}
    before = len(standin.methods)
    try:
        p = subprocess.run(argv, cwd=tmp, env=env, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "did not exit within 20 s"
    asked = standin.methods[before:]
    p.stderr = "\n".join(p.stderr.strip().splitlines()[:2])  # the problem, not the usage text
    if helps & set(args):
        return None if p.returncode == 0 else f"exit {p.returncode}: {p.stderr.strip()}"
    if p.returncode == 2:
        return f"usage error (exit 2): {p.stderr.strip()}"
    if cmd[0] == "scanctl" and (p.returncode != 1 or MARK not in p.stderr or not asked):
        return f"exit {p.returncode} without a request to the stand-in: {p.stderr.strip()}"
    if cmd[0] == "scand" and (p.returncode != 1 or tools["dead"] not in p.stderr):
        return f"exit {p.returncode}, not at the config: {p.stderr.strip()}"
    return None


def check_config_block(root, body, tools, tmp):
    text = "\n".join(body) + "\n"
    for k, v in CONFIG_PLACEHOLDERS.items():
        text = text.replace(k, v)
    if "blocklist_file" not in text:  # the default is /etc/scand's, not here
        text += f"\n[scan]\nblocklist_file = {root}/config/blocklist.conf\n"
    path = os.path.join(tmp, "block.conf")
    open(path, "w").write(text)
    p = subprocess.run([tools["scand"], "--check-config", "--config", path], capture_output=True, text=True)
    return None if p.returncode == 0 else (p.stdout + p.stderr).strip()


def layer_rows(lines, after=None):
    """Folders named by the first cell of table rows (daemon/daemon.c -> daemon)."""
    out, active = [], after is None
    for line in lines:
        if after and re.match(r"^#+\s", line):
            active = line.strip().lstrip("#").strip() == after
        m = re.match(r"^\|\s*`([^`]+)`", line) if active else None
        if not m:
            continue
        first = m.group(1)
        if first in ("daemon/", "daemon/daemon.c"):
            out.append("daemon" if (first == "daemon/daemon.c" or after) else None)
        elif first.endswith("/"):
            out.append(first.rstrip("/"))
    return [r for r in out if r]


def check_layers(root, files):
    path = os.path.join(root, "scripts/check-layers")  # its layers(): one reading of meson.build
    loader = importlib.machinery.SourceFileLoader("check_layers", path)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("check_layers", loader))
    loader.exec_module(module)
    order = [folder for _, folder in module.layers(root)]
    errors = []
    on_disk = {f"daemon/{d}" for d in os.listdir(os.path.join(root, "daemon"))
               if os.path.isdir(os.path.join(root, "daemon", d))}
    for d in sorted(on_disk - set(order)):
        errors.append(f"{d}/ is in no layer: add it to daemon_layers in daemon/meson.build")
    arch = layer_rows(files["docs/architecture.md"], after="Layers")
    if arch != order:
        errors.append(f"docs/architecture.md: the Layers table lists {arch}; the layers, bottom to "
                      f"top, are {order}")
    daemon = [f for f in order if f.startswith("daemon")]
    readme = [f for f in layer_rows(files["README.md"]) if f.startswith("daemon")]
    if readme != daemon:
        errors.append(f"README.md: the daemon/ table lists {readme}; daemon/'s layers, bottom to "
                      f"top, are {daemon}")
    return errors


def main():
    root, scanctl, scand = (os.path.abspath(a) for a in sys.argv[1:4])
    files = {f: open(os.path.join(root, f)).read().splitlines() for f in md_files(root)}
    errors, nlinks, ncmds, nconf = [], 0, 0, 0
    with tempfile.TemporaryDirectory(prefix="scand-docs.") as tmp:
        tools = {"scanctl": scanctl, "scand": scand, "socket": os.path.join(tmp, "standin.sock"),
                 "dead": os.path.join(tmp, "no-such-dir", "scand.conf"),
                 "@targets": os.path.join(tmp, "targets.txt"), "@config": os.path.join(tmp, "scand.conf")}
        open(tools["@targets"], "w").write("198.18.1.0/24\n2001:db8:1::/120\n")
        for name, data in EXAMPLE_FILES.items():
            data = data if data is not None else open(os.path.join(root, SHIPPED_PAYLOADS), "rb").read()
            open(os.path.join(tmp, name), "wb").write(data)
        standin = StandIn(tools["socket"])
        standin.start()
        for f, lines in files.items():
            e, n = check_links(root, f, lines)
            errors += e
            nlinks += n
            for start, info, body, marked in fences(lines):
                if marked:
                    nconf += 1
                    if (err := check_config_block(root, body, tools, tmp)):
                        errors.append(f"{f}:{start}: config block fails scand --check-config: {err}")
                if info not in SHELL_INFO:
                    continue
                for off, cmd in commands(body):
                    ncmds += 1
                    if isinstance(cmd, str):
                        errors.append(f"{f}:{start + 1 + off}: {cmd}")
                        continue
                    where = f"{f}:{start + 1 + off}: {shlex.join(cmd)}"
                    if (err := run_command(cmd, tools, tmp, standin)):
                        errors.append(f"{where}: {err}")
                    else:
                        print(f"ok   {where}")
        standin.sock.close()
    errors += check_layers(root, files)
    if len(files["README.md"]) > README_MAX_LINES:
        errors.append(f"README.md has {len(files['README.md'])} lines, at most {README_MAX_LINES}: "
                      "move the detail into docs/")
    print(f"{len(files)} files: {nlinks} relative links, {ncmds} scanctl/scand commands, "
          f"{nconf} config blocks; README {len(files['README.md'])} lines")
    if not (nlinks and ncmds and nconf):
        errors.append("found no links, commands or config blocks to check: is the parser broken?")
    for e in errors:
        print("FAIL:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
