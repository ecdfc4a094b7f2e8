#!/usr/bin/env bash
# scripts/check-layers finds what it exists to find: on a small tree of its
# own it passes a clean layout, then fails an upward #include and a cycle of
# calls between two files (found with nm on their objects).
set -u
check=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$t"/common "$t"/engines "$t"/daemon/scan "$t"/daemon/low "$t"/daemon/high "$t"/obj
printf "layers = [\n  ['low', files('low/a.c')],\n  ['high', files('high/b.c')],\n]\n" >"$t"/daemon/meson.build
echo 'int low_a(void);' >"$t"/daemon/low/a.h
printf '#include "a.h"\nint low_a(void) { return 1; }\n' >"$t"/daemon/low/a.c
echo 'int high_b(void);' >"$t"/daemon/high/b.h
printf '#include "b.h"\n#include "a.h"\nint high_b(void) { return low_a(); }\n' >"$t"/daemon/high/b.c

build() { # compile both files and describe them as meson does
	printf '[' >"$t"/compile_commands.json
	local sep=""
	for f in low/a high/b; do
		cc -c -I"$t"/daemon/low -I"$t"/daemon/high "$t/daemon/$f.c" -o "$t/obj/${f#*/}.o" || fail "cc $f"
		printf '%s{"directory": "%s", "file": "daemon/%s.c", "output": "obj/%s.o"}' \
			"$sep" "$t" "$f" "${f#*/}" >>"$t"/compile_commands.json
		sep=","
	done
	echo ']' >>"$t"/compile_commands.json
}

build
out=$(python3 "$check" "$t" "$t") || fail "a clean tree fails: $out"
echo "$out" | grep -q "0 violations" || fail "no summary: $out"

printf '#include "b.h"\nint low_a(void) { return 1; }\n' >"$t"/daemon/low/a.c
out=$(python3 "$check" "$t" "$t") && fail "an upward include passes: $out"
echo "$out" | grep -q "daemon/low/a.c (low) includes daemon/high/b.h (high)" || fail "upward include not named: $out"

printf 'int high_b(void);\nint low_a(void) { return high_b(); }\n' >"$t"/daemon/low/a.c
build
out=$(python3 "$check" "$t" "$t") && fail "a call cycle passes: $out"
echo "$out" | grep -q "call cycle between files: daemon/high/b.c -(low_a)-> daemon/low/a.c -(high_b)-> daemon/high/b.c" ||
	fail "call cycle not named: $out"
echo "ok: clean tree passes, upward include and call cycle fail"
