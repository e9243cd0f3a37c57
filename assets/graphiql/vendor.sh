#!/usr/bin/env bash
# GraphiQL's browser files, vendored from the npm packages that ecosystem/package.json
# pins (installed by `cd ecosystem && npm ci`, which checks them against the lock file).
#
#   assets/graphiql/vendor.sh          copy them here and write README.md (versions, sha256)
#   assets/graphiql/vendor.sh --check  fail unless the copies, and README.md, are exactly that
set -euo pipefail
cd "$(dirname "$0")/../.."

modules=ecosystem/node_modules
here=assets/graphiql
# package  path in the package
files=(
  "react umd/react.production.min.js"
  "react LICENSE"
  "react-dom umd/react-dom.production.min.js"
  "react-dom LICENSE"
  "graphiql graphiql.min.js"
  "graphiql graphiql.min.css"
  "graphiql LICENSE"
)

check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

field() { node -p "require('./$1')$2"; }

version_of() {
  local package=$1 pinned installed
  pinned="$(field ecosystem/package.json ".devDependencies['$package']")"
  [ -f "$modules/$package/package.json" ] || {
    echo "$modules/$package is missing: run 'cd ecosystem && npm ci'" >&2
    exit 1
  }
  installed="$(field "$modules/$package/package.json" .version)"
  if [ "$pinned" != "$installed" ]; then
    echo "$package: ecosystem/package.json pins $pinned, $modules has $installed: run 'cd ecosystem && npm ci'" >&2
    exit 1
  fi
  echo "$installed"
}

readme() {
  cat <<'HEAD'
# GraphiQL's browser files

GraphiQL at `/` loads these files from the gateway itself, under versioned paths below
`/graphiql/` (see `src/http/graphiql.rs`), so it works without internet access. The
binary embeds them; they are byte for byte the files of the npm packages pinned in
`ecosystem/package.json` (`npm ci` checks those against `ecosystem/package-lock.json`).
Written by `vendor.sh`; `.ci/ecosystem` runs `vendor.sh --check`.

| Package | Version | Licence | File | SHA-256 |
|---|---|---|---|---|
HEAD
  local entry package path name
  for entry in "${files[@]}"; do
    read -r package path <<<"$entry"
    name="$package/$(basename "$path")"
    printf '| %s | %s | %s | `%s` | `%s` |\n' "$package" "$(version_of "$package")" \
      "$(field "$modules/$package/package.json" .license)" "$name" \
      "$(sha256sum "$modules/$package/$path" | cut -d' ' -f1)"
  done
  cat <<'TAIL'

To upgrade: change the versions in `ecosystem/package.json`, `cd ecosystem && npm install`,
run `assets/graphiql/vendor.sh`, and rename the versioned paths in `src/http/graphiql.rs`
(a test in `tests/api/graphiql.rs` compares them with `ecosystem/package.json`).
TAIL
}

failed=false
for entry in "${files[@]}"; do
  read -r package path <<<"$entry"
  version_of "$package" >/dev/null
  source="$modules/$package/$path"
  copy="$here/$package/$(basename "$path")"
  if $check; then
    if ! cmp -s "$source" "$copy"; then
      echo "$copy differs from $source ($package@$(version_of "$package"))" >&2
      failed=true
    fi
  else
    mkdir -p "$here/$package"
    cp "$source" "$copy"
  fi
done

if $check; then
  if ! readme | diff -u "$here/README.md" - >&2; then
    echo "$here/README.md is not what vendor.sh writes" >&2
    failed=true
  fi
  if $failed; then
    echo "run assets/graphiql/vendor.sh to refresh the vendored GraphiQL files" >&2
    exit 1
  fi
  echo "assets/graphiql: ${#files[@]} files equal to ecosystem/node_modules"
else
  readme >"$here/README.md"
  echo "assets/graphiql: copied ${#files[@]} files from ecosystem/node_modules"
fi
