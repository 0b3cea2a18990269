#!/usr/bin/env python3
"""Man pages for tinydocker(1), tinydocker-COMMAND(1) and tinyrun(8), made at build time.

The synopsis, descriptions, options and subcommands come from the built programs' own --help
(so the pages always list every command and flag the binaries have); the prose (description,
examples, files, exit status) comes from man/*.md, a small markdown subset of ours:
'## HEADING', paragraphs, '- ' bullets, fenced ``` code blocks, `code` and **bold**.

  gen-man.py generate --tinydocker BIN --tinyrun BIN --src DIR --out DIR [--stamp FILE]
  gen-man.py install DIR MANDIR      (meson install script: DIR/*.N -> DESTDIR/MANDIR/manN)
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

VERSION = os.environ.get("TD_VERSION", "")


def esc(text):
    """Roff-escape running text (backslashes, hyphens as \\-)."""
    return text.replace("\\", "\\e").replace("-", "\\-")


def line_safe(line):
    """A text line must not start with a control character (. or ')."""
    return "\\&" + line if line[:1] in (".", "'") else line


def inline(text):
    """Markdown inline (`code`, **bold**) -> escaped roff text for one line."""
    out = []
    for part in re.split(r"(`[^`]+`|\*\*[^*]+\*\*)", text):
        if len(part) > 1 and part.startswith("`") and part.endswith("`"):
            out.append("\\fB" + esc(part[1:-1]) + "\\fR")
        elif len(part) > 3 and part.startswith("**") and part.endswith("**"):
            out.append("\\fB" + esc(part[2:-2]) + "\\fR")
        else:
            out.append(esc(part))
    return line_safe("".join(out))


def md_to_roff(md):
    """The markdown subset -> roff (headings become .SH, bullets .IP, code .EX-like .nf)."""
    out, para, code = [], [], None

    def flush():
        if para:
            out.append(".PP")
            out.append(inline(" ".join(para)))
            para.clear()

    for raw in md.splitlines():
        line = raw.rstrip()
        if code is not None:
            if line.startswith("```"):
                out.append(".fi")
                out.append(".RE")
                code = None
            else:
                out.append(line_safe(esc(line)) if line else "")
            continue
        if line.startswith("```"):
            flush()
            out.extend([".PP", ".RS 4", ".nf"])
            code = []
        elif line.startswith("## "):
            flush()
            out.append(".SH " + esc(line[3:].upper()))
        elif line.startswith("### "):
            flush()
            out.append(".SS " + esc(line[4:]))
        elif line.startswith("- "):
            flush()
            out.append(".IP \\(bu 2")
            out.append(inline(line[2:]))
        elif line.startswith("  ") and out and not para and line.strip():
            out.append(inline(line.strip()))  # continuation of a bullet
        elif not line:
            flush()
        else:
            para.append(line.strip())
    flush()
    return "\n".join(out)


def run_help(argv):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")  # sanitizer builds run them too
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=30, env=env)
    if p.returncode != 0:
        sys.exit("gen-man: %s --help failed (%d): %s" % (" ".join(argv), p.returncode, p.stdout))
    return p.stdout


OPT_RE = re.compile(r"^  (?:(-\w), )?\s{0,4}(--[\w-]+)(?: ([\w.]+))?(?:\s{2,}(.*))?$")
# tinyrun's style: "--version, -v   text"
OPT2_RE = re.compile(r"^  (--[\w-]+), (-\w)(?: ([A-Z]+))?\s{2,}(.*)$")
CMD_RE = re.compile(r"^  ([a-z][\w-]*)(?:\s{2,}(.*))?$")


def parse_help(text):
    """docker-style help -> {usage, desc: [lines], options: [(short, long, arg, desc)],
    commands: [(name, desc)]}."""
    h = {"usage": "", "desc": [], "options": [], "commands": [], "notes": []}
    section = None
    for line in text.splitlines():
        if line.startswith("Usage:"):
            h["usage"] = line.split(":", 1)[1].strip()
            section = "desc"
            continue
        if re.match(r"^[A-Z][\w ]*:$", line):
            section = line[:-1].lower()
            continue
        if not line.strip():
            continue
        if section == "options" or section == "global options":
            m = OPT_RE.match(line)
            m2 = OPT2_RE.match(line)
            if m2:
                h["options"].append([m2.group(2), m2.group(1), m2.group(3), m2.group(4)])
            elif m:
                h["options"].append([m.group(1), m.group(2), m.group(3), m.group(4) or ""])
            elif h["options"]:
                h["options"][-1][3] += " " + line.strip()
        elif section == "commands" and not line.startswith("  "):
            section = None  # the "Run 'tinydocker COMMAND --help'..." line ends the list
        elif section == "commands":
            m = CMD_RE.match(line)
            if m and m.group(2):
                h["commands"].append((m.group(1), m.group(2).strip()))
            elif line.startswith("              ") and h["commands"]:
                n, d = h["commands"][-1]
                h["commands"][-1] = (n, d + " " + line.strip())
            else:
                h["commands"].extend((w, "") for w in line.split())
        elif section == "desc":
            if line.startswith("Run '"):
                continue
            h["desc"].append(line.strip())
        else:
            h["notes"].append(line.strip())
    return h


def th(name, sect, title):
    return '.TH "%s" "%s" "" "tinydocker %s" "%s"' % (name.upper(), sect, VERSION, title)


def options_roff(opts):
    out = []
    for short, long_, arg, desc in opts:
        flag = "\\fB%s\\fR" % esc(long_)
        if short:
            flag = "\\fB%s\\fR, %s" % (esc(short), flag)
        if arg:
            flag += " \\fI%s\\fR" % esc(arg)
        out += [".TP", flag, inline(desc) if desc else ""]
    return out


def extra(src, name):
    p = os.path.join(src, name + ".md")
    if os.path.exists(p):
        with open(p) as f:
            return md_to_roff(f.read())
    return ""


def command_page(td, root, src, cmd, summary):
    h = parse_help(run_help([td, "--root", root, cmd, "--help"]))
    out = [th("tinydocker-" + cmd, "1", "tinydocker manual"), ".SH NAME",
           "tinydocker\\-%s \\- %s" % (esc(cmd), esc(summary or " ".join(h["desc"])))]
    out += [".SH SYNOPSIS", ".B " + esc(h["usage"] or "tinydocker " + cmd)]
    out += [".SH DESCRIPTION", inline(" ".join(h["desc"]) or summary)]
    if h["options"]:
        out += [".SH OPTIONS"] + options_roff(h["options"])
    subs = [c for c in h["commands"]]
    if subs and cmd in ("image", "network", "volume"):
        out.append(".SH COMMANDS")
        for sub, desc in subs:
            sh = parse_help(run_help([td, "--root", root, cmd, sub, "--help"]))
            out += [".SS %s %s" % (esc(cmd), esc(sub)), ".B " + esc(sh["usage"]), ".PP",
                    inline(" ".join(sh["desc"]) or desc)]
            if sh["options"]:
                out += [".PP", "Options:", ".RS 4"] + options_roff(sh["options"]) + [".RE"]
    elif subs:
        out += [".SH COMMANDS", ".PP", "Each is the top-level command of the same name "
                "(\\fBls\\fR is \\fBps\\fR, \\fBprune\\fR removes stopped containers):", ".PP",
                ", ".join("\\fB%s\\fR" % esc(s) for s, _ in subs)]
    more = extra(os.path.join(src, "commands"), cmd)
    if more:
        out.append(more)
    out += [".SH SEE ALSO", ".BR tinydocker (1)"]
    return "\n".join(out) + "\n"


def main_page(td, root, src, cmds, h):
    out = [th("tinydocker", "1", "tinydocker manual"), ".SH NAME",
           "tinydocker \\- a small, daemonless container engine spoken like docker",
           ".SH SYNOPSIS", ".B tinydocker", "[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARG\\fR...]"]
    prose = extra(src, "tinydocker")
    first, _, rest = prose.partition("\n.SH ")
    out.append(first)
    out += [".SH OPTIONS"] + options_roff(h["options"])
    out.append(".SH COMMANDS")
    for name, desc in cmds:
        out += [".TP", "\\fBtinydocker\\-%s\\fR(1)" % esc(name), inline(desc)]
    if rest:
        out.append(".SH " + rest)
    out.append(".SH SEE ALSO")
    out += [".BR tinydocker\\-%s (1)," % esc(c) for c, _ in cmds]
    out.append(".BR tinyrun (8)")
    return "\n".join(out) + "\n"


def tinyrun_page(tr, src):
    top = run_help([tr, "--help"])
    h = parse_help(top)
    out = [th("tinyrun", "8", "tinyrun manual"), ".SH NAME",
           "tinyrun \\- an OCI container runtime with runc's command line",
           ".SH SYNOPSIS", ".B tinyrun", "[\\fIglobal options\\fR] \\fICOMMAND\\fR "
           "[\\fIoptions\\fR] \\fIARGS\\fR"]
    prose = extra(src, "tinyrun")
    first, _, rest = prose.partition("\n.SH ")
    out.append(first)
    out += [".SH GLOBAL OPTIONS"] + options_roff(h["options"])
    out.append(".SH COMMANDS")
    for name, _ in h["commands"]:
        text = run_help([tr, name, "--help"]).splitlines()
        usage = [l.strip() for l in text if l.startswith(("Usage:", "    ", "     "))]
        desc = [l.strip() for l in text if l.startswith("  ") and not l.startswith("   ")]
        syn = " ".join(usage).split(":", 1)[-1].strip()
        out += [".SS " + esc(name), ".B " + esc(syn), ".PP", inline(" ".join(desc))]
    if rest:
        out.append(".SH " + rest)
    out += [".SH SEE ALSO", ".BR tinydocker (1),", ".BR runc (8)"]
    return "\n".join(out) + "\n"


def generate(a):
    os.makedirs(a.out, exist_ok=True)
    pages = {}
    with tempfile.TemporaryDirectory(prefix="td-man.") as root:
        h = parse_help(run_help([a.tinydocker, "--root", root, "--help"]))
        cmds = h["commands"]
        if not cmds:
            sys.exit("gen-man: no commands in tinydocker --help")
        for name, desc in cmds:
            pages["tinydocker-%s.1" % name] = command_page(a.tinydocker, root, a.src, name, desc)
        pages["tinydocker.1"] = main_page(a.tinydocker, root, a.src, cmds, h)
    pages["tinyrun.8"] = tinyrun_page(a.tinyrun, a.src)
    for old in os.listdir(a.out):
        if re.match(r".*\.[18]$", old) and old not in pages:
            os.unlink(os.path.join(a.out, old))
    for name, text in pages.items():
        path = os.path.join(a.out, name)
        if not os.path.exists(path) or open(path).read() != text:
            with open(path + ".tmp", "w") as f:
                f.write(text)
            os.replace(path + ".tmp", path)
    if a.stamp:
        with open(a.stamp, "w") as f:
            f.write("\n".join(sorted(pages)) + "\n")


def install(a):
    dest = os.environ.get("MESON_INSTALL_DESTDIR_PREFIX", "")
    mandir = a.mandir if os.path.isabs(a.mandir) else os.path.join(dest, a.mandir)
    if os.path.isabs(a.mandir) and os.environ.get("DESTDIR"):
        mandir = os.environ["DESTDIR"] + a.mandir
    for name in sorted(os.listdir(a.dir)):
        m = re.match(r".*\.([18])$", name)
        if not m:
            continue
        d = os.path.join(mandir, "man" + m.group(1))
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(os.path.join(a.dir, name), os.path.join(d, name))
        os.chmod(os.path.join(d, name), 0o644)
        print("Installing %s to %s" % (name, d))


def main():
    global VERSION
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--tinydocker", required=True)
    g.add_argument("--tinyrun", required=True)
    g.add_argument("--src", required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--stamp")
    g.add_argument("--version", default="")
    i = sub.add_parser("install")
    i.add_argument("dir")
    i.add_argument("mandir")
    a = ap.parse_args()
    if a.mode == "generate":
        VERSION = a.version
        generate(a)
    else:
        install(a)


if __name__ == "__main__":
    main()
