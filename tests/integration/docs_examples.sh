#!/bin/sh
# docs_examples: what the documents show is what the programs do, so the
# examples cannot drift from the code.
#
# - every config/*.yaml passes `tdapipe check-config`, and between them
#   the example-*.yaml files set every key tdapipe.yaml(5) lists;
# - every block of README.md marked "<!-- tested: ... -->": the commands
#   of each console block (the tour, time windows) are run in order from a
#   copy of the tree (bin, config, samples) and must print what it shows
#   ("..." stands for any text within a line), the yaml block must be
#   config/demo.yaml without its comments;
# - tdapipe(1) names the persistence options the README tour points to.
# The tour runs instance "demo" as the README says: runs of this test in
# other trees on the machine take turns (flock), as two demos would clash.
. "$(dirname "$0")/../lib.sh"

# From the tree's root, where the examples' relative source paths lead
# (check-config checks that the source file is there).
for f in "$TDP_ROOT"/config/*.yaml; do
	(cd "$TDP_ROOT" && "$TDAPIPE" check-config "$f") >"$T/check.out" 2>&1 ||
		die "check-config $f: $(cat "$T/check.out")"
done
note "check-config: $(ls "$TDP_ROOT"/config/*.yaml | wc -l) configs ok"

mkdir "$T/tree"
ln -s "$BIN" "$T/tree/bin"
ln -s "$TDP_ROOT/config" "$T/tree/config"
ln -s "$TDP_ROOT/samples" "$T/tree/samples"
command -v flock >/dev/null || { echo "skip: no flock (util-linux)"; exit 77; }
flock -w 120 "${TMPDIR:-/tmp}/tdapipe-instance-demo.lock" \
	"$PY" - "$TDP_ROOT" "$T/tree" <<'EOF' || die "a document shows what the programs do not do"
import os, re, subprocess, sys
root, tree = sys.argv[1], sys.argv[2]
failed = []

def fail(msg):
    failed.append(msg)
    print("FAIL: " + msg, file=sys.stderr)

# --- the example configs set every key of tdapipe.yaml(5)
KEY_SECTIONS = ("TOP-LEVEL KEYS", "SOURCE", "SINK", "DEAD LETTERS", "SCALES", "FEATURES", "EVENTS", "SUPERVISOR", "METRICS")
entries, section, prev = set(), None, None
for line in open(os.path.join(root, "man/tdapipe.yaml.5")).read().split("\n"):
    if line.startswith(".SH "):
        section = line[4:].strip('"')
    m = re.fullmatch(r"\.B ([a-z_]+)", line)
    if m and prev == ".TP" and section in KEY_SECTIONS:
        entries.add(m.group(1))
    prev = line
keys = set()
for name in sorted(os.listdir(os.path.join(root, "config"))):
    if name.startswith("example-") and name.endswith(".yaml"):
        for line in open(os.path.join(root, "config", name)):
            keys |= set(re.findall(r"([a-z_]+):(?:\s|$)", line.split("#", 1)[0]))
if len(entries) < 30:
    fail("only %d keys found in tdapipe.yaml(5): %s" % (len(entries), sorted(entries)))
missing = sorted(entries - keys)
if missing:
    fail("keys of tdapipe.yaml(5) set in no config/example-*.yaml: %s" % ", ".join(missing))

# --- the README's tested blocks
readme = open(os.path.join(root, "README.md")).read()
blocks = re.findall(r"<!-- tested: [^\n]*-->\n```(\w+)\n(.*?)```\n", readme, re.S)
kinds = sorted(k for k, _ in blocks)
if kinds.count("yaml") != 1 or kinds.count("console") < 1 or set(kinds) != {"console", "yaml"}:
    fail("README.md: tested blocks %s, expected console blocks and one yaml block" % kinds)

def matches(shown, line):
    """SHOWN, with "..." for any text, is LINE."""
    return re.fullmatch(".*".join(re.escape(p) for p in shown.split("...")), line) is not None

for kind, text in blocks:
    if kind == "yaml":
        demo = [l.split(" #", 1)[0].rstrip() for l in open(os.path.join(root, "config/demo.yaml"))
                if not l.startswith("#")]
        if text.split("\n")[:-1] != demo:
            fail("README.md: the yaml block is not config/demo.yaml:\n%s\nvs\n%s" % (text, "\n".join(demo)))
        continue
    steps = []
    for line in text.split("\n")[:-1]:
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    for cmd, shown in steps:
        p = subprocess.run(["sh", "-c", cmd], cwd=tree, capture_output=True, text=True, timeout=120)
        got = p.stdout.split("\n")[:-1] if p.stdout else []
        if p.returncode != 0:
            fail("README.md: `%s` exited %d: %s" % (cmd, p.returncode, p.stderr[-2000:]))
        elif len(got) != len(shown) or not all(matches(s, g) for s, g in zip(shown, got)):
            fail("README.md: `%s` printed\n%s\nthe README shows\n%s" % (cmd, "\n".join(g[:400] for g in got),
                                                                        "\n".join(shown)))
        else:
            print("# README: `%s`: as shown" % cmd)

# --- the jq examples of tdapipe-results(5), on the tour's results
roff = {"\\-": "-", "\\(aq": "'", "\\(dq": '"', "\\e": "\\"}
ex = re.findall(r"^\.EX\n(.*?)^\.EE$", open(os.path.join(root, "man/tdapipe-results.5")).read(), re.M | re.S)
jq = [c for block in ex for c in block.replace("\\e\n", " ").split("\n") if c.startswith("jq ")]
if len(jq) < 4:
    fail("tdapipe-results(5): only %d jq examples found" % len(jq))
if not os.path.exists(os.path.join(tree, "results.jsonl")):
    jq = []
elif subprocess.run(["sh", "-c", "command -v jq"], capture_output=True).returncode != 0:
    print("# no jq: the jq examples of tdapipe-results(5) not run")
    jq = []
for cmd in jq:
    for k, v in roff.items():
        cmd = cmd.replace(k, v)
    p = subprocess.run(["sh", "-c", cmd], cwd=tree, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        fail("tdapipe-results(5): `%s` exited %d: %s" % (cmd, p.returncode, p.stderr[:500]))
    else:
        print("# tdapipe-results(5): `%s`: %d lines" % (cmd, p.stdout.count("\n")))

# --- the man pages name what the README points to
t1 = open(os.path.join(root, "man/tdapipe.1")).read()
for opt in (r"\-\-complex", r"\-\-summary", r"\-\-window"):
    if opt not in t1:
        fail("tdapipe(1) does not mention persistence %s" % opt.replace("\\", ""))
# --- every file ARCHITECTURE.md and the README's Layout name exists
import glob
arch = open(os.path.join(root, "ARCHITECTURE.md")).read()
for path in sorted(set(re.findall(r"`((?:common|ingest|scaled|publish|cli|tests|config|man)/[A-Za-z0-9_*./]+)`", arch))):
    if not glob.glob(os.path.join(root, path)):
        fail("ARCHITECTURE.md names %s, which does not exist" % path)
layout = open(os.path.join(root, "README.md")).read().split("## Layout", 1)[-1]
for d, names in re.findall(r"^    ([a-z]+)/ +(.*?)(?=^    \S|\Z)", layout, re.M | re.S):
    for name in re.findall(r"\b([a-z_]+\.[ch])\b", names):
        if not glob.glob(os.path.join(root, d, name)):
            fail("README's Layout names %s/%s, which does not exist" % (d, name))
sys.exit(1 if failed else 0)
EOF
[ ! -e /dev/shm/tdapipe-demo ] || die "the tour left its segment behind"
[ ! -e /dev/shm/tdapipe-sensors ] || die "the time windows example left its segment behind"
echo ok
