#!/usr/bin/env bash
# Image test: build the Dockerfile with podman (shared tooling beside the repository, in ../shared/container)
# and check the container's behaviour: health, numbers, state on a mounted directory, clean SIGTERM stop,
# numbers continuing in a second container, non-root user.
#
#   bash tests/container/run.sh          (npm run test:container)
#
# If podman cannot be prepared here (not root, no apt, tooling missing) it prints
# "container test NOT RUN: <reason>" and exits 0; REQUIRE_CONTAINER=1 turns that into a failure.
# A build failure or a failed check exits non-zero.
# Knobs: IMAGE_NAME (default localhost/take-a-number:test), SHARED_CONTAINER_DIR (default <repo>/../shared/container).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shared=${SHARED_CONTAINER_DIR:-$repo/../shared/container}
export IMAGE_NAME=${IMAGE_NAME:-localhost/take-a-number:test}

t0=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/take-a-number-container.XXXXXX")
containers=()

cleanup() {
  local rc=$? c
  for c in "${containers[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  rm -rf -- "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() { printf 'ok   %s\n' "$*"; }
not_run() {
  echo "container test NOT RUN: $*"
  if [[ ${REQUIRE_CONTAINER:-0} == 1 ]]; then echo "FAIL: REQUIRE_CONTAINER=1 and the container test could not run" >&2; exit 1; fi
  exit 0
}
fail() {
  echo "FAIL: $*" >&2
  local c
  for c in "${containers[@]}"; do
    echo "---- logs of container ${c:0:12}" >&2
    podman logs --tail 40 "$c" >&2 2>&1 || true
  done
  exit 1
}

# GET $1 from the host; prints "<status> <body>" (node is on every machine that runs this repository's tests).
http_get() {
  node -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(5000) })
      .then(async (r) => console.log(`${r.status} ${await r.text()}`))
      .catch((e) => { console.log(`000 ${e.cause?.code ?? e.message}`); });
  ' "$1"
}

# podman prints harmless "unable to get systemd connection ... healthchecks" errors without systemd: keep them
# in a log that is shown only when the command fails.
pod() {
  local out
  if ! out=$(podman "$@" 2>"$work/podman.err"); then
    cat "$work/podman.err" >&2
    return 1
  fi
  printf '%s' "$out"
}

# start a container on host directory $1 (further arguments go to podman run); sets $cid and $base (http://127.0.0.1:<free port>)
start_container() {
  local dir=$1
  shift
  cid=$(pod run -d --pull=never -p 127.0.0.1::5000 -v "$dir":/data:U "$@" "$image") || fail "podman run failed"
  containers+=("$cid")
  local port
  port=$(pod port "$cid" 5000/tcp) || fail "podman port failed"
  port=${port##*:}
  base="http://127.0.0.1:$port"
  local i reply
  for i in $(seq 1 100); do
    reply=$(http_get "$base/healthz")
    [[ $reply == '200 {"status":"ok"}' ]] && return 0
    [[ $(pod inspect -f '{{.State.Running}}' "$cid") == true ]] || fail "container exited before answering /healthz (last reply: $reply)"
    sleep 0.2
  done
  fail "no healthy /healthz on $base within 20 s (last reply: $reply)"
}

expect_get() { # path, expected exact "<status> <body>"
  local got
  got=$(http_get "$base$1")
  [[ $got == "$2" ]] || fail "GET $1: expected '$2', got '$got'"
  ok "GET $1 -> $2"
}

# ---- tooling
[[ -x $shared/prepare-podman.sh && -x $shared/image-smoke.sh ]] || not_run "shared container tooling not found at $shared"
command -v node >/dev/null || not_run "node is not installed on this host"
prep_log=$work/prepare.log
if ! "$shared/prepare-podman.sh" >"$prep_log" 2>&1; then
  not_run "prepare-podman.sh failed: $(grep -m1 -i 'error' "$prep_log" || tail -n1 "$prep_log")"
fi
ok "$(tail -n1 "$prep_log")"

# ---- build (a failure here fails the test)
t=$SECONDS
if ! image=$("$shared/image-smoke.sh" "$repo" 2>"$work/build.log"); then
  tail -n 40 "$work/build.log" >&2
  fail "image build failed (image-smoke.sh $repo)"
fi
[[ -n $image ]] || fail "image-smoke.sh printed no image id"
ok "image built: $IMAGE_NAME ${image:0:12}, $(pod image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB\n", $1/1e6}') ($((SECONDS - t)) s)"

cfg=$(pod image inspect -f '{{.Config.User}} {{index .Config.Labels "org.opencontainers.image.version"}}{{"\n"}}{{json .Config.Healthcheck.Test}}{{"\n"}}{{json .Config.Volumes}}{{"\n"}}{{json .Config.ExposedPorts}}{{"\n"}}{{json .Config.Entrypoint}}' "$image") \
  || fail "podman image inspect failed"
{ read -r user; read -r hc; read -r vols; read -r ports; read -r cmd; } <<<"$cfg"
version=$(node -p 'require(process.argv[1]).version' "$repo/package.json")
[[ $user == "1000:1000 $version" ]] || fail "image USER and version label are '$user', expected '1000:1000 $version' (numeric, for runAsNonRoot)"
[[ $hc == *healthz* ]] || fail "image has no HEALTHCHECK on /healthz (got $hc)"
[[ $vols == *'"/data"'* ]] || fail "image has no VOLUME /data (got $vols)"
[[ $ports == *'"5000/tcp"'* ]] || fail "image does not EXPOSE 5000 (got $ports)"
[[ $cmd == '["node","--max-semi-space-size=8","--expose-gc","--heap-growing-percent=50","dist/src/main.js"]' ]] || fail "unexpected ENTRYPOINT $cmd"
ok "image config: USER 1000:1000, label version $version, HEALTHCHECK, VOLUME /data, EXPOSE 5000, ENTRYPOINT $cmd"
files=$(pod run --rm --pull=never --entrypoint sh "$image" -c 'ls /app; ls /app/dist; stat -c %u:%g /data; echo "SEQUENCE_FILE=$SEQUENCE_FILE"') \
  || fail "cannot list the image's files"
[[ $files != *tests* && $files != *bench* ]] || fail "tests or bench in the image: $(echo $files)"
[[ $files == *"1000:1000"* ]] || fail "/data is not owned by node (1000:1000): $(echo $files)"
[[ $files == *"SEQUENCE_FILE=/data/sequences.json"* ]] || fail "SEQUENCE_FILE is not /data/sequences.json: $(echo $files)"
ok "image content: dist/src only (no tests), /data owned by 1000:1000, SEQUENCE_FILE=/data/sequences.json"

# ---- one entrypoint: the CLI words reach the CLI
out=$(pod run --rm --pull=never "$image" --version) || fail "--version through the image failed"
[[ $out == "$version" ]] || fail "--version through the image printed '$out', expected $version"
out=$(pod run --rm --pull=never "$image" --help) || fail "--help through the image failed"
[[ $out == *"serve "* && $out == *"next "* && $out == *"migrate"* ]] || fail "--help through the image does not list serve, next, migrate: $out"
out=$(pod run --rm --pull=never "$image" migrate --help) || fail "migrate --help through the image exited non-zero"
[[ $out == usage:* ]] || fail "migrate --help printed: $out"
ok "image --version -> $version; --help lists the commands; migrate --help exits 0"

# ---- first container
data=$work/data
mkdir "$data"
t=$SECONDS
start_container "$data"
ok "container ${cid:0:12} healthy on $base ($((SECONDS - t)) s)"
logs=$(podman logs "$cid" 2>&1)
[[ $logs == *'"level":40'*'no state found, starting fresh; check your volume (state path /data/sequences.json)'* ]] || fail "no fresh-state WARN naming /data/sequences.json in: $logs"
ok "fresh start logs WARN: no state found, starting fresh; check your volume (state path /data/sequences.json)"
out=$(pod run --rm --pull=never --network "container:$cid" "$image" next build --url http://127.0.0.1:5000 --count 2) || fail "next build through the image failed: $out"
[[ $out == $'1\n2' ]] || fail "next build --count 2 through the image printed '$out'"
ok "image next build --url http://127.0.0.1:5000 --count 2 -> 1, 2"

expect_get /next/foo '200 {"sequence_id":"foo","next_value":1}'
expect_get /next/foo '200 {"sequence_id":"foo","next_value":2}'

pod healthcheck run "$cid" >/dev/null || fail "podman healthcheck run: not healthy"
ok "podman healthcheck run -> healthy"

uid=$(pod exec "$cid" sh -c 'echo $(id -u):$(id -g)') || fail "podman exec id -u failed"
[[ $uid == 1000:1000 ]] || fail "the service runs as $uid, expected 1000:1000"
pid1=$(pod exec "$cid" sh -c 'tr "\0" " " </proc/1/cmdline') || fail "cannot read PID 1"
[[ $pid1 == "node --max-semi-space-size=8 --expose-gc --heap-growing-percent=50 dist/src/main.js " ]] || fail "PID 1 is '$pid1', expected node (it must receive SIGTERM itself)"
ok "runs as uid 1000, node is PID 1"

t=$SECONDS
pod stop -t 10 "$cid" >/dev/null || fail "podman stop failed"
stop_s=$((SECONDS - t))
code=$(pod inspect -f '{{.State.ExitCode}}' "$cid")
[[ $code == 0 ]] || fail "exit code after podman stop (SIGTERM) is $code, expected 0"
ok "podman stop -t 10 -> exit code 0 in ${stop_s} s"
# The lock file stays (removing it would race a starting process); its flock is free once the process is gone.
flock --nonblock "$data/sequences.json.lock" true || fail "the lock $data/sequences.json.lock is still held after a clean stop"
ok "lock released on stop"
pod rm "$cid" >/dev/null || fail "podman rm failed"

# ---- second container, same directory
t=$SECONDS
start_container "$data"
ok "second container ${cid:0:12} healthy on the same directory ($((SECONDS - t)) s)"
expect_get /next/foo '200 {"sequence_id":"foo","next_value":3}'

pod stop -t 10 "$cid" >/dev/null || fail "podman stop failed"
code=$(pod inspect -f '{{.State.ExitCode}}' "$cid")
[[ $code == 0 ]] || fail "second container: exit code after podman stop is $code, expected 0"
ok "second container stopped with exit code 0"

# ---- the state on the host directory (after a clean stop the snapshot alone holds it)
state=$(node -e '
  const fs = require("node:fs");
  const out = [];
  for (const f of process.argv.slice(1)) {
    try { out.push(`${f.split("/").pop()}=${JSON.parse(fs.readFileSync(f, "utf8")).sequences?.foo}@${fs.statSync(f).uid}`); }
    catch (e) { out.push(`${f.split("/").pop()}=${e.code ?? e.message}`); }
  }
  console.log(out.join(" "));
' "$data/sequences.json" "$data/sequences.json.replica")
[[ $state == "sequences.json=3@1000 sequences.json.replica=3@1000" ]] \
  || fail "state on the host: expected primary and replica with \"foo\": 3 owned by uid 1000, got: $state ($(ls -ln "$data" | tail -n +2 | awk '{print $3, $NF}' | paste -sd, -))"
grep -q '"foo": 3' "$data/sequences.json" || fail "the state file does not contain \"foo\": 3: $(cat "$data/sequences.json")"
ok "host dir: sequences.json has \"foo\": 3, sequences.json.replica exists with \"foo\": 3, both owned by uid 1000"


# ---- probes through a drain: SIGTERM turns /readyz to 503 at once, /livez stays 200, the listener closes later
start_container "$data" -e SHUTDOWN_DELAY=4
expect_get /livez '200 {"status":"ok"}'
expect_get /readyz '200 {"status":"ok"}'
t=$SECONDS
pod kill --signal TERM "$cid" >/dev/null || fail "podman kill --signal TERM failed"
for i in $(seq 1 50); do
  reply=$(http_get "$base/readyz")
  [[ $reply == 503* ]] && break
  sleep 0.1
done
[[ $reply == '503 {"type":"about:blank","title":"Service Unavailable","status":503,"detail":"the service is shutting down; send requests to another instance","code":"shutting_down","status_text":"draining"}' ]] \
  || fail "/readyz after SIGTERM: $reply"
ok "after SIGTERM: GET /readyz -> 503 shutting_down"
expect_get /livez '200 {"status":"ok"}'
expect_get /next/foo '200 {"sequence_id":"foo","next_value":4}'
for i in $(seq 1 100); do
  [[ $(pod inspect -f '{{.State.Running}}' "$cid") == false ]] && break
  sleep 0.1
done
code=$(pod inspect -f '{{.State.Running}} {{.State.ExitCode}}' "$cid")
[[ $code == 'false 0' ]] || fail "after the drain: running/exit code $code, expected 'false 0'"
(( SECONDS - t >= 3 )) || fail "the container stopped $((SECONDS - t)) s after SIGTERM, before SHUTDOWN_DELAY=4"
ok "drain: served during SHUTDOWN_DELAY=4, then exited 0 after $((SECONDS - t)) s"

# ---- the README's recipe: a plain directory owned by the user who runs it, and --user with that uid (no :U)
mine=$work/mine
mkdir "$mine"
chown 4321:4321 "$mine"
cid=$(pod run -d --pull=never -p 127.0.0.1::5000 --user 4321:4321 -v "$mine":/data "$image") || fail "podman run --user 4321:4321 failed"
containers+=("$cid")
port=$(pod port "$cid" 5000/tcp) || fail "podman port failed"
base="http://127.0.0.1:${port##*:}"
for i in $(seq 1 100); do
  reply=$(http_get "$base/healthz")
  [[ $reply == '200 {"status":"ok"}' ]] && break
  [[ $(pod inspect -f '{{.State.Running}}' "$cid") == true ]] || fail "--user 4321:4321 on a directory of uid 4321: the container exited ($(podman logs --tail 5 "$cid" 2>&1))"
  sleep 0.2
done
expect_get /next/build '200 {"sequence_id":"build","next_value":1}'
pod stop -t 10 "$cid" >/dev/null || fail "podman stop failed"
[[ $(stat -c %u "$mine/sequences.json") == 4321 ]] || fail "the state file in a --user 4321 directory is not owned by 4321"
ok "--user 4321:4321 on a plain directory owned by 4321 (the README's recipe): /next/build -> 1, state owned by 4321"

echo "container test passed ($((SECONDS - t0)) s)"
