#!/usr/bin/env bash
# Debian package: dpkg-buildpackage -us -uc -b on a copy of the working tree
# with packaging/debian as debian/ (unit suite runs inside the build); the
# .deb holds the binaries, conffiles, units, sysusers and tmpfiles entries;
# its postinst creates the user and enables the units; lintian has no errors.
# Takes a few minutes (full build + unit suite).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/debbuild.sh"
for t in dpkg-buildpackage dh; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed (apt-get install dpkg-dev debhelper; Rules-Requires-Root: no, so no fakeroot)"; exit 77; }
done

T=$(mktemp -d /tmp/scand-pkg.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
S=$T/scand-0.1.0
deb_source_copy "$S"

start=$SECONDS
deb=$(deb_build "$S" "$T/build.log") || exit 1
echo "dpkg-buildpackage: $((SECONDS - start)) s"
grep -E '^(Ok|Fail):' "$T/build.log" | tr -s ' \n' ' '; echo "(unit suite inside the package build)"
if grep -q 'warning: ' "$T/build.log"; then
	echo "compiler warnings with Debian's build flags (-Werror is off in the package build):"
	grep 'warning: ' "$T/build.log" | sed 's|^.*/scand-0.1.0/||; s|^\.\./||' | sort -u
fi
grep -q '^Ok: *[1-9]' "$T/build.log" || fail "the unit suite did not run inside the package build"
dpkg-deb -c "$deb" >"$T/contents"
for f in usr/sbin/scand usr/bin/scanctl etc/scand/scand.conf etc/scand/blocklist.conf etc/scand/udp-payloads.conf \
	lib/systemd/system/scand.service lib/systemd/system/scand.socket \
	usr/lib/sysusers.d/scand.conf usr/lib/tmpfiles.d/scand.conf usr/share/doc/scand/copyright; do
	grep -q " \./$f\$" "$T/contents" || { cat "$T/contents"; fail "$f missing from $(basename "$deb")"; }
done
# the documentation ships, and what the units' Documentation= names is in the package
for f in README.md $(cd "$SRCDIR" && ls docs/*.md); do
	grep -Eq " \./usr/share/doc/scand/$f(\.gz)?\$" "$T/contents" ||
		{ grep usr/share/doc "$T/contents"; fail "$f missing from /usr/share/doc/scand (packaging/debian/scand.docs)"; }
done
for u in scand.service scand.socket; do
	for d in $(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./lib/systemd/system/$u" | sed -n 's/^Documentation=//p'); do
		[ "${d#file://}" != "$d" ] || continue
		grep -q " \.${d#file://}\$" "$T/contents" || fail "$u: Documentation=$d is not in the package"
	done
done
echo "contents ok: $(wc -l <"$T/contents") entries, $(grep -c ' \./usr/share/doc/scand/' "$T/contents") under /usr/share/doc/scand"

mkdir "$T/ctrl"
dpkg-deb -e "$deb" "$T/ctrl"
for f in /etc/scand/scand.conf /etc/scand/blocklist.conf /etc/scand/udp-payloads.conf; do
	grep -qx "$f" "$T/ctrl/conffiles" || fail "$f is not a conffile ($(cat "$T/ctrl/conffiles"))"
done
post=$T/ctrl/postinst
[ -f "$post" ] || fail "no postinst"
grep -q 'systemd-sysusers.*scand.conf' "$post" || fail "postinst does not run systemd-sysusers"
grep -q 'systemd-tmpfiles.*--create.*scand.conf' "$post" || fail "postinst does not run systemd-tmpfiles"
grep -q "deb-systemd-helper enable 'scand.service'" "$post" || fail "postinst does not enable scand.service"
grep -q "deb-systemd-helper enable 'scand.socket'" "$post" || fail "postinst does not enable scand.socket"
# the user must exist before the service is started
[ "$(grep -n systemd-sysusers "$post" | head -1 | cut -d: -f1)" -lt \
  "$(grep -n 'deb-systemd-invoke' "$post" | head -1 | cut -d: -f1)" ] ||
	fail "postinst starts scand before creating its user"
grep -q '^Depends:.*libevent' "$T/ctrl/control" || fail "shlibs:Depends not filled ($(grep ^Depends "$T/ctrl/control"))"
echo "control: $(grep ^Depends "$T/ctrl/control")"

# the packaged files: units verify against the package's own tree, and the
# shipped config passes the unit's ExecStartPre (--check-config) on a fresh
# install (a private mount namespace shows the package's /etc/scand at /etc/scand)
X=$T/root
dpkg-deb -x "$deb" "$X"
"$X/usr/sbin/scand" --version | grep -q '^scand 0.1.0' || fail "packaged scand --version: $("$X/usr/sbin/scand" --version 2>&1)"
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$X/bin" && cp /bin/kill "$X/bin/"
	cp -an /lib/systemd/system/. "$X/lib/systemd/system/"
	systemd-analyze verify --man=no --root="$X" /lib/systemd/system/scand.service \
		/lib/systemd/system/scand.socket >"$T/verify.out" 2>&1
	[ -s "$T/verify.out" ] && { cat "$T/verify.out"; fail "packaged units do not verify"; }
	echo "packaged units verify clean"
fi
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	cp -a /etc "$T/etc" && rm -rf "$T/etc/scand" && cp -a "$X/etc/scand" "$T/etc/scand"
	out=$(unshare -m sh -c 'mount --bind "$1/etc" /etc && exec "$2/usr/sbin/scand" --check-config --config /etc/scand/scand.conf' \
		sh "$T" "$X" 2>&1) || fail "the shipped /etc/scand/scand.conf fails ExecStartPre: $out"
	echo "ExecStartPre on the shipped config: $out"
else
	echo "note: not root or no mount namespaces: shipped config not checked with --check-config"
fi

if command -v lintian >/dev/null; then
	lintian -I --show-overrides --tag-display-limit 0 "$deb" >"$T/lintian.out" 2>&1
	echo "--- lintian findings:"
	grep -v "^running with root privileges" "$T/lintian.out"
	grep -q '^E: ' "$T/lintian.out" && fail "lintian reports errors"
else
	echo "lintian not installed: not checked"
fi
echo "PASS: $(basename "$deb") built and checked"
