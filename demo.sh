#!/usr/bin/env bash
# The main job. Filled in as components land.
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh
scripts/build.sh
