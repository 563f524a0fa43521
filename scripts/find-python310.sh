#!/usr/bin/env sh
# Print the path of a Python 3.10 interpreter (Rasa 3.6 runs on 3.8-3.10 only).
# Order: $PYTHON310, python3.10 on PATH, pyenv's versions/3.10.*, common system paths.
is310() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }
for cand in "${PYTHON310:-}" "$(command -v python3.10 2>/dev/null)"; do
  if is310 "$cand"; then echo "$cand"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  for cand in $(ls -d "$(pyenv root)"/versions/3.10*/bin/python3.10 2>/dev/null | sort -r); do
    if is310 "$cand"; then echo "$cand"; exit 0; fi
  done
fi
for cand in "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  if is310 "$cand"; then echo "$cand"; exit 0; fi
done
echo "No Python 3.10 found: install it (e.g. 'pyenv install 3.10') or set PYTHON310=/path/to/python3.10" >&2
exit 1
