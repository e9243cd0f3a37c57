#!/usr/bin/env bash
# Fails when schema.graphql breaks existing clients compared with the last commit
# (HEAD~1, or the revision in SCHEMA_BASE), unless a commit since then says the
# break is intended with the trailer `Schema-Break: intended` in its message.
set -euo pipefail
cd "$(dirname "$0")/.."

base="${SCHEMA_BASE:-HEAD~1}"
if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
  echo "no $base to compare schema.graphql with (first commit or shallow clone)"
  exit 0
fi
old="$(mktemp --suffix=.graphql)"
trap 'rm -f "$old"' EXIT
if ! git show "$base:schema.graphql" >"$old" 2>/dev/null; then
  echo "schema.graphql is new since $base: nothing to compare"
  exit 0
fi

echo "schema.graphql at $base ($(git rev-parse --short "$base")) -> working copy"
if ecosystem/node_modules/.bin/graphql-inspector diff "$old" schema.graphql; then
  exit 0
fi
if git log --format='%(trailers:key=Schema-Break,valueonly)' "$base..HEAD" | grep -qix 'intended'; then
  echo "the breaking changes above are marked intended (Schema-Break: intended)"
  exit 0
fi
cat >&2 <<'MSG'
schema.graphql breaks clients generated from the previous version (see above).
Prefer an additive change (a new field or argument, @deprecated on the old one).
If the break is intended, say so in the commit message with the trailer:

    Schema-Break: intended
MSG
exit 1
