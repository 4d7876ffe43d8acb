# SPDX-License-Identifier: MIT
# git.sh — git init, several commits, branch, merge, log --stat, gc, fsck
# in a scratch repository, identical with and without brisk (fixed dates,
# names and config make the hashes reproducible).
source "$(dirname "$0")/lib.sh"
need git
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com \
  GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com \
  GIT_AUTHOR_DATE="2020-01-01T00:00:00Z" GIT_COMMITTER_DATE="2020-01-01T00:00:00Z"
cat >"$WORK/git-work.sh" <<'SH'
set -e
export HOME=$PWD
git init -q -b main repo
cd repo
git config gc.auto 0
for i in $(seq 1 30); do
  mkdir -p dir$((i % 5))
  seq 1 $((i * 200)) | sed "s/^/line $i /" > dir$((i % 5))/file$i.txt
  git add -A
  git commit -q -m "commit $i"
done
git checkout -q -b side HEAD~10
echo side > side.txt; git add side.txt; git commit -q -m side
git checkout -q main
git merge -q --no-edit side
git log --stat --format='%H %s' | head -300
git gc -q --aggressive
git fsck --full
git count-objects -v | grep -E '^(count|in-pack|packs|garbage)'
git rev-parse HEAD
git log --oneline | wc -l
SH
compare git bash "$WORK/git-work.sh"
echo ok
