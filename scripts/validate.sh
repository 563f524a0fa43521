#!/usr/bin/env bash
# The stock `rasa data validate --fail-on-warnings` (project root, no other flags), failing on any
# warning Rasa prints about the project. Rasa's flag alone lets several kinds pass: an unused
# response, an intent without NLU examples and a story-reader issue only warn
# (rasa/validator.py: verify_utterances_in_stories and verify_intents keep
# `everything_is_alright` True). Import-time deprecation notices of third-party packages are not
# about the project and are not counted.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(.venv/bin/rasa data validate --fail-on-warnings 2>&1)
status=$?
echo "$out"
# Rasa's warnings (UserWarning, FutureWarning raised from Rasa's modules) and its WARNING log lines
warnings=$(grep -E '/rasa/[^ ]*: (User|Future)Warning: |WARNING +rasa' <<<"$out")
if [[ -n "$warnings" ]]; then
  echo; echo "make validate: Rasa warned:" >&2; echo "$warnings" >&2
  exit 1
fi
exit $status
