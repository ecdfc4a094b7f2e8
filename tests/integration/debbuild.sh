# Builds scand's Debian package from a clean copy of the working tree, as an
# operator would (packaging/debian becomes debian/). Shared by package.sh and
# booted.sh. Source it; needs SRCDIR and fail() (lib.sh).

# deb_source_copy DIR: the tree as git sees it (tracked + new files, no build
# dirs) in DIR, with packaging/debian as DIR/debian.
deb_source_copy() {
	local dir=$1
	mkdir -p "$dir"
	(cd "$SRCDIR" && git ls-files -z --cached --others --exclude-standard | grep -zv '^build' |
		xargs -0 cp --parents -t "$dir" 2>/dev/null) || fail "cannot copy the source tree"
	[ -f "$dir/meson.build" ] || fail "source copy has no meson.build"
	rm -rf "$dir/debian"
	mv "$dir/packaging/debian" "$dir/debian"
}

# deb_set_version DIR VERSION: a newer release of the copy in DIR: a changelog
# entry for VERSION and the same version in meson.build (scand --version and
# daemon.info report it), as a real upstream release would have.
deb_set_version() {
	local dir=$1 ver=$2 old
	old=$(sed -n "s/^  version: '\(.*\)',/\1/p" "$dir/meson.build")
	[ -n "$old" ] || fail "no version: line in $dir/meson.build"
	sed -i "s/^  version: '$old',/  version: '$ver',/" "$dir/meson.build"
	{
		printf 'scand (%s) unstable; urgency=medium\n\n  * Test release %s (upgrade test).\n\n' "$ver" "$ver"
		printf ' -- scand developers <scand@example.org>  %s\n\n' "$(date -R)"
		cat "$dir/debian/changelog"
	} >"$dir/debian/changelog.new" && mv "$dir/debian/changelog.new" "$dir/debian/changelog"
}

# deb_build DIR LOG [DEB_BUILD_OPTIONS]: dpkg-buildpackage -us -uc -b in DIR
# (output in LOG); prints the path of the .deb it made next to DIR.
deb_build() {
	local dir=$1 log=$2 opts=${3:-} ver deb
	(cd "$dir" && DEB_BUILD_OPTIONS="parallel=$(nproc) $opts" dpkg-buildpackage -us -uc -b) >"$log" 2>&1 ||
		{ tail -60 "$log" >&2; fail "dpkg-buildpackage failed in $dir (log above)"; }
	ver=$(cd "$dir" && dpkg-parsechangelog -S Version)
	deb="$(dirname "$dir")/scand_${ver}_$(dpkg --print-architecture).deb"
	[ -f "$deb" ] || fail "dpkg-buildpackage made no $deb"
	echo "$deb"
}
