# Sourced by .ci/run and scripts/cluster-faults.sh: brings up the PostgreSQL
# and S3 server the suite runs against when they are not configured already.
# Each function returns non-zero when its backend cannot be brought up; the
# caller decides whether that fails the run.

PG_URL=postgres://postgres@127.0.0.1:5432
S3S_VERSION=0.14.1

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Debian's PostgreSQL, installed when the machine has none. The tests connect
# as `postgres` over loopback without a password, so loopback is trusted.
install_postgres() {
  command -v apt-get >/dev/null 2>&1 || return 1
  echo "PostgreSQL is not installed; installing Debian's package"
  apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
  for version in $(ls /etc/postgresql); do
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
  done
}

# PostgreSQL on 127.0.0.1:5432, started (and installed) when it is not up.
start_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if ! { command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; }; then
      install_postgres || echo "installing PostgreSQL failed" >&2
    fi
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
      for version in $(ls /etc/postgresql); do
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
      done
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null
}

# s3s-fs on a free loopback port over a temp dir holding the bucket
# `filmroom-test`; sets S3_PORT, S3_KEY, S3_SECRET, S3_DIR and S3_PID (the
# caller stops it: `kill "$S3_PID"; rm -rf "$S3_DIR" "$S3_DIR.log"`).
start_s3s_fs() {
  if ! s3s-fs --version 2>/dev/null | grep -q "$S3S_VERSION"; then
    cargo install "s3s-fs@$S3S_VERSION" --features binary --locked || return 1
  fi
  S3_DIR=$(mktemp -d)
  mkdir -p "$S3_DIR/filmroom-test"
  S3_KEY=filmroom-ci
  S3_SECRET=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  S3_PORT=""
  S3_PID=""
  # A port nobody listens on can still be taken (a client's ephemeral port),
  # so a bind that fails moves on to the next one.
  for candidate in $(seq 39100 39199); do
    port_open "$candidate" && continue
    s3s-fs --host 127.0.0.1 --port "$candidate" --access-key "$S3_KEY" --secret-key "$S3_SECRET" "$S3_DIR" \
      >"$S3_DIR.log" 2>&1 &
    S3_PID=$!
    for _ in $(seq 1 50); do
      port_open "$candidate" && break
      kill -0 "$S3_PID" 2>/dev/null || break
      sleep 0.2
    done
    if port_open "$candidate"; then S3_PORT=$candidate; return 0; fi
    kill "$S3_PID" 2>/dev/null || true
  done
  cat "$S3_DIR.log" >&2
  echo "s3s-fs did not start on any loopback port from 39100 to 39199" >&2
  return 1
}

# The suite's environment for both backends (after start_s3s_fs).
export_test_backends() {
  export FILMROOM_TEST_POSTGRES="$PG_URL"
  export FILMROOM_TEST_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  export FILMROOM_TEST_S3_BUCKET=filmroom-test
  export FILMROOM_TEST_S3_ACCESS_KEY="$S3_KEY"
  export FILMROOM_TEST_S3_SECRET_KEY="$S3_SECRET"
}
