#!/usr/bin/env bash
# The GitHub Action's run step: audit, write SARIF, record the exit code.
# Exit 2 (the audit could not run) fails the step at once and nothing is uploaded.
set -u
: "${EA_PATHS:=.}" "${EA_VERSION:=latest}" "${EA_SARIF:=event-audit.sarif}" "${EA_CATEGORY:=event-audit}" "${EA_ARGS:=}"
: "${GITHUB_OUTPUT:=/dev/null}"
EA_BIN="${EA_BIN:-npx --yes event-audit@${EA_VERSION}}"
# Word splitting of paths and args is intended: they are lists.
# shellcheck disable=SC2086
$EA_BIN $EA_PATHS --format sarif --output "$EA_SARIF" --category "$EA_CATEGORY" $EA_ARGS
code=$?
echo "exit-code=$code" >> "$GITHUB_OUTPUT"
echo "sarif-file=$EA_SARIF" >> "$GITHUB_OUTPUT"
if [ "$code" -ge 2 ]; then
  echo "event-audit could not complete the audit (exit $code)" >&2
  exit "$code"
fi
exit 0
