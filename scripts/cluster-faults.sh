#!/usr/bin/env bash
# A scaled-out deployment under faults, at full size: two API processes and
# two workers on PostgreSQL and s3s-fs, 100 uploads and 50 review moves that
# each send a webhook, one worker killed (SIGKILL) in the middle of an
# analysis and one API process killed in the middle of an upload. The test
# (tests/tests/cluster.rs, which the suite runs with fewer uploads) then
# checks that every upload answered 200 is ready exactly once and that every
# webhook event reached the receiver, a repeat only with its delivery id.
#   scripts/cluster-faults.sh [UPLOADS [REVIEW_MOVES]]
# Installs s3s-fs and PostgreSQL when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/filmroom-target}"
export PATH="$HOME/.cargo/bin:$PATH"

# shellcheck source=scripts/test-backends.sh
. scripts/test-backends.sh
start_postgres || { echo "FAIL: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
S3_PID=""
S3_DIR=""
trap 'kill "$S3_PID" 2>/dev/null || true; [ -n "$S3_DIR" ] && rm -rf "$S3_DIR" "$S3_DIR.log"' EXIT
start_s3s_fs || { echo "FAIL: s3s-fs could not be started" >&2; exit 1; }
export_test_backends

FILMROOM_CLUSTER_UPLOADS="${1:-100}" FILMROOM_CLUSTER_REVIEW_MOVES="${2:-50}" \
  cargo test --locked -q -p filmroom-tests --test cluster -- --nocapture
