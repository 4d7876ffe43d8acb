# SPDX-License-Identifier: MIT
# git.sh — git on a real repository (a local clone of this one, fixed at
# one commit so that concurrent work does not change the answers): clone,
# log with stats and patches, diff, blame, grep, rev-list, fsck, repack,
# gc, archive; all output identical with and without brisk.
source "$(dirname "$0")/lib.sh"
need git
REPO=$(cd "$HERE/../../.." && pwd)
C=$(git -C "$REPO" rev-parse HEAD) || skip "not a git repository"
export C REPO GIT_CONFIG_NOSYSTEM=1 HOME=$WORK GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z'
ops() {
  git clone -q --no-local "$REPO" r || exit 1
  cd r || exit 1
  git -c advice.detachedHead=false checkout -q "$C" || exit 1
  git log --stat --format='%H %an %s' "$C" | md5sum
  git log -p --reverse "$C" | md5sum
  git rev-list --count "$C"
  first=$(git rev-list --max-parents=0 "$C" | tail -n 1)
  git diff --stat "$first" "$C" | tail -n 1
  git diff "$first" "$C" | md5sum
  for f in $(git ls-tree -r --name-only "$C" | grep -E '\.(c|h|sh|mk)$' | head -n 25); do
    git blame --porcelain "$C" -- "$f" | grep -v '^\(author\|committer\)-time' | md5sum
  done | md5sum
  git grep -n -e malloc -e free "$C" | wc -l
  git fsck --no-progress --full 2>&1 | sort | md5sum
  git repack -q -a -d -f --depth=50 --window=50
  git gc -q --aggressive --prune=now
  git count-objects -v | grep -E '^(count|in-pack|packs)'
  git archive --format=tar "$C" | md5sum
  git log --all --format=%H | md5sum
}
export -f ops
compare git bash -c ops
echo "git: clone/log/diff/blame/grep/fsck/repack/gc identical ($(sed -n 3p "$(plain_dir git).out") commits)"
