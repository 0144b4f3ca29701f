# The embedded server's archive_command: store one finished WAL segment in the archive, durably.
#
#   sh bitnexus-walcopy.sh <segment path> <segment name> <archive dir> [<archive dir> ...]
#
# PostgreSQL runs it (as its own system user, from the data directory) for each segment and
# keeps the segment, retrying, until it exits 0. The segment is stored gzipped as <name>.gz (a
# segment finished early by archive_timeout is mostly zeros: 16 MB shrink to some KB). Each
# copy goes to a temporary file that is fsynced, then linked to its name (a link fails instead
# of replacing a file), then the directory is fsynced. A segment already archived with the
# same bytes (a retry after a crash between the copy and PostgreSQL noting it, or a backup
# that copied the archive there first) counts as archived; different bytes under the same
# name are never overwritten. POSIX sh, coreutils and gzip only: no interpreter to reach.
set -eu
[ "$#" -ge 3 ] || { echo "usage: $0 <segment path> <segment name> <dir>..." >&2; exit 2; }
src=$1
name=$2
shift 2
case $name in
    */* | .*) echo "walcopy: refusing segment name '$name'" >&2; exit 2 ;;
esac
tmp=
trap '[ -z "$tmp" ] || rm -f "$tmp"' EXIT
for dir in "$@"; do
    target=$dir/$name.gz
    mkdir -p "$dir"
    tmp=$dir/.$name.$$.tmp
    gzip -n -c "$src" > "$tmp"
    sync "$tmp"
    if ! ln "$tmp" "$target" 2>/dev/null && ! cmp -s "$tmp" "$target"; then
        echo "walcopy: $target exists with different contents: not overwritten" >&2
        exit 1
    fi
    rm -f "$tmp"
    tmp=
    sync "$dir"
done
