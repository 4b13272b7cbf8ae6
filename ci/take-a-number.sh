#!/bin/sh
# Takes a number from a take-a-number service, from any CI: POSIX sh, curl, awk and od, nothing else.
#
#   TAKE_A_NUMBER_URL=https://numbers.example.com TAKE_A_NUMBER_TOKEN=... sh ci/take-a-number.sh build
#
# usage: take-a-number.sh [options] SEQUENCE         take the next number (or --count N of them)
#        take-a-number.sh --mode reserve SEQUENCE    hold a number on a ledger sequence
#        take-a-number.sh --mode confirm RESERVATION [--ref REF]
#        take-a-number.sh --mode void RESERVATION --reason TEXT
# options: --count N  --format text|json  --key IDEMPOTENCY_KEY  --retries N (default 6)
#          --dotenv FILE (append TAN_NUMBER=…, TAN_LAST, TAN_FORMATTED, TAN_RESERVATION, TAN_STATE)
# Prints the values one per line (formatted ids where the sequence has a format), or the answer's JSON with
# --format json. The default key is the same for a rerun of the same job attempt (GitHub: run id, attempt,
# job, step; GitLab: the job id), so a retry gets the same number. Exit 0 done, 1 refused or unreachable,
# 2 wrong usage. templates/take-a-number.yml holds the same function (a test keeps the two equal).

# take_a_number: begin
take_a_number() (
  # A CI shell may run with -e (GitLab: set -eo pipefail); this function checks every status itself.
  set +e
  if (set +o pipefail) 2>/dev/null; then set +o pipefail; fi
  LC_ALL=C
  export LC_ALL
  tan_mode=next tan_format=text tan_count='' tan_key='' tan_ref='' tan_reason='' tan_retries=6 tan_dotenv='' tan_target=''
  tan_url=${TAKE_A_NUMBER_URL:-} tan_token=${TAKE_A_NUMBER_TOKEN:-}

  tan_usage() { printf 'take-a-number: %s\n' "$1" >&2; exit 2; }
  tan_fail() { printf 'take-a-number: %s\n' "$1" >&2; exit 1; }
  # The input to fix, as the GitLab component and this script's options name it.
  tan_input() {
    case $1 in
      url) printf 'input url (TAKE_A_NUMBER_URL)' ;;
      token) printf 'input token (TAKE_A_NUMBER_TOKEN)' ;;
      sequence) printf 'input sequence (the SEQUENCE argument)' ;;
      reservation) printf 'input reservation (the RESERVATION argument)' ;;
      idempotency-key) printf 'input idempotency-key (--key)' ;;
      *) printf 'input %s (--%s)' "$1" "$1" ;;
    esac
  }

  while [ $# -gt 0 ]; do
    case $1 in
      --mode | --format | --count | --key | --ref | --reason | --retries | --dotenv)
        [ $# -ge 2 ] || tan_usage "$1 needs a value"
        case $1 in
          --mode) tan_mode=$2 ;; --format) tan_format=$2 ;; --count) tan_count=$2 ;; --key) tan_key=$2 ;;
          --ref) tan_ref=$2 ;; --reason) tan_reason=$2 ;; --retries) tan_retries=$2 ;; --dotenv) tan_dotenv=$2 ;;
        esac
        shift 2 ;;
      --) shift; break ;;
      -*) tan_usage "unknown option $1 (see the head of ci/take-a-number.sh)" ;;
      *) [ -z "$tan_target" ] || tan_usage "one SEQUENCE or RESERVATION only, got also $1"; tan_target=$1; shift ;;
    esac
  done
  if [ $# -gt 0 ]; then [ -z "$tan_target" ] && [ $# -eq 1 ] || tan_usage 'one SEQUENCE or RESERVATION only'; tan_target=$1; fi

  case $tan_mode in next | reserve | confirm | void) ;; *) tan_usage "$(tan_input mode): \"$tan_mode\" is not one of next, reserve, confirm, void" ;; esac
  case $tan_format in text | json) ;; *) tan_usage "$(tan_input format): \"$tan_format\" is not one of text, json" ;; esac
  case $tan_retries in '' | *[!0-9]*) tan_usage "$(tan_input retries): \"$tan_retries\" is not a whole number" ;; esac
  [ -n "$tan_url" ] || tan_usage "$(tan_input url): required: the take-a-number service, e.g. https://numbers.example.com"
  case $tan_url in http://* | https://*) ;; *) tan_usage "$(tan_input url): not an http(s) URL: $tan_url" ;; esac
  case $tan_url in *://*@*) tan_usage "$(tan_input url): has credentials in it: put the token in TAKE_A_NUMBER_TOKEN (a masked variable) instead" ;; esac
  case $tan_mode in
    next | reserve)
      [ -n "$tan_target" ] || tan_usage "$(tan_input sequence): required with mode $tan_mode: the id of the sequence to take a number from"
      if [ -n "$tan_count" ]; then
        [ "$tan_mode" = next ] || tan_usage "$(tan_input count): mode reserve takes one number at a time: leave count out"
        case $tan_count in *[!0-9]*) tan_usage "$(tan_input count): \"$tan_count\" is not a whole number" ;; esac
      fi ;;
    *)
      [ -n "$tan_target" ] || tan_usage "$(tan_input reservation): required with mode $tan_mode: the reservation of the reserve step"
      [ -z "$tan_count" ] || tan_usage "$(tan_input count): mode $tan_mode acts on one reservation: leave count out"
      [ "$tan_mode" != void ] || [ -n "$tan_reason" ] || tan_usage "$(tan_input reason): required with mode void: why the number is not used (1-500 characters)" ;;
  esac
  command -v curl >/dev/null 2>&1 || tan_fail 'curl is not installed: add it to the job image (apk add curl, apt-get install curl)'

  # The default key: the same for a rerun of one job attempt, new for a new attempt or another job.
  if [ -z "$tan_key" ]; then
    if [ -n "${GITHUB_RUN_ID:-}" ]; then tan_base="gh-$GITHUB_RUN_ID-${GITHUB_RUN_ATTEMPT:-1}" tan_rest="${GITHUB_JOB:-}-${GITHUB_ACTION:-}-$tan_mode-$tan_target"
    elif [ -n "${CI_JOB_ID:-}" ]; then tan_base="gl-$CI_JOB_ID" tan_rest="$tan_mode-$tan_target"
    else tan_base="take-a-number-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" tan_rest="$tan_mode"
    fi
    tan_key="$tan_base-$tan_rest"
    # A name outside visible ASCII (or too long) goes in as its checksum.
    case $tan_key in *[!!-~]*) tan_key="$tan_base-$(printf '%s' "$tan_rest" | cksum | tr ' ' '-')" ;; esac
    [ ${#tan_key} -le 255 ] || tan_key="$tan_base-$(printf '%s' "$tan_rest" | cksum | tr ' ' '-')"
  fi
  case $tan_key in *[!!-~]*) tan_usage "$(tan_input idempotency-key): must be 1-255 visible ASCII characters" ;; esac
  [ ${#tan_key} -le 255 ] || tan_usage "$(tan_input idempotency-key): must be 1-255 visible ASCII characters"

  # Percent-encodes a path segment byte by byte (ids may hold spaces, slashes, any Unicode).
  tan_encode() {
    printf '%s' "$1" | od -An -v -tx1 | tr -s ' \n' '\n\n' | while read -r tan_h; do
      case $tan_h in
        '') ;;
        3[0-9] | 4[1-9a-f] | 5[0-9a] | 6[1-9a-f] | 7[0-9a] | 2d | 2e | 5f | 7e) printf "\\$(printf '%03o' "0x$tan_h")" ;;
        *) printf '%%%s' "$tan_h" ;;
      esac
    done
  }
  # The top-level members of a JSON answer as "name<TAB>value" lines ("name[]" for each array element).
  tan_members() {
    awk '
      function unesc(s,   o, i, c) {
        o = ""
        for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (c == "\\") { i++; c = substr(s, i, 1); if (c != "\"" && c != "\\" && c != "/") c = "\\" c } o = o c }
        return o
      }
      function emit(v) { if (depth == 1 && key != "") print key "\t" v; else if (depth == 2 && inarr) print key "[]\t" v }
      { doc = doc $0 "\n" }
      END {
        n = length(doc); depth = 0; wantkey = 0; inarr = 0; key = ""
        for (i = 1; i <= n; i++) {
          c = substr(doc, i, 1)
          if (c == "\"") {
            for (j = i + 1; j <= n; j++) { d = substr(doc, j, 1); if (d == "\\") j++; else if (d == "\"") break }
            s = unesc(substr(doc, i + 1, j - i - 1)); i = j
            if (depth == 1 && wantkey) { key = s; wantkey = 0 } else emit(s)
          } else if (c == "{" || c == "[") { depth++; if (depth == 1) wantkey = 1; if (depth == 2) inarr = (c == "[") }
          else if (c == "}" || c == "]") { depth--; if (depth == 1) inarr = 0 }
          else if (c == ",") { if (depth == 1) wantkey = 1 }
          else if (c ~ /[-0-9a-z]/) {
            for (j = i; j <= n && substr(doc, j, 1) ~ /[-+.0-9a-zA-Z]/; j++) ;
            emit(substr(doc, i, j - i)); i = j - 1
          }
        }
      }' "$1"
  }
  tan_member() { tan_members "$2" | awk -F '\t' -v k="$1" '$1 == k { v = substr($0, length(k) + 2); if (v != "null") print v }'; }

  tan_tmp=$(mktemp -d) || tan_fail 'cannot make a temporary directory'
  trap 'rm -rf "$tan_tmp"' EXIT
  # Headers in a file (mode 600), not on the command line, so the token is not in the process list.
  umask 077
  {
    printf 'Accept: application/json\nIdempotency-Key: %s\nX-Request-Id: %s\n' "$tan_key" "$tan_key"
    [ -z "$tan_token" ] || printf 'Authorization: Bearer %s\n' "$tan_token"
  } > "$tan_tmp/headers"
  tan_path=
  case $tan_mode in
    next) tan_path="/next/$(tan_encode "$tan_target")"; [ -z "$tan_count" ] || tan_path="$tan_path?count=$tan_count" ;;
    reserve) tan_path="/reserve/$(tan_encode "$tan_target")" ;;
    confirm) tan_path="/reservations/$(tan_encode "$tan_target")/confirm" ;;
    void) tan_path="/reservations/$(tan_encode "$tan_target")/void" ;;
  esac
  # A JSON string of a text: backslash, quote and control characters escaped.
  tan_jstr() { printf '%s' "$1" | awk 'BEGIN { ORS = "" } { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/\r/, "\\r"); if (NR > 1) print "\\n"; print }'; }
  tan_body=
  case $tan_mode in
    confirm) if [ -n "$tan_ref" ]; then tan_body="{\"ref\":\"$(tan_jstr "$tan_ref")\"}"; else tan_body='{}'; fi ;;
    void) tan_body="{\"reason\":\"$(tan_jstr "$tan_reason")\"}" ;;
  esac
  [ -z "$tan_body" ] || printf 'Content-Type: application/json\n' >> "$tan_tmp/headers"
  printf '%s' "$tan_body" > "$tan_tmp/request"
  tan_origin=$(printf '%s' "$tan_url" | sed -E 's#^(https?://[^/?#]*).*#\1#')

  tan_attempt=0
  while :; do
    tan_status=$(curl -sS -X POST --max-time 10 -H "@$tan_tmp/headers" ${tan_body:+--data-binary "@$tan_tmp/request"} \
      -D "$tan_tmp/head" -o "$tan_tmp/body" -w '%{http_code}' "${tan_url%/}$tan_path" 2> "$tan_tmp/err")
    tan_rc=$?
    tan_wait=
    if [ $tan_rc -eq 0 ]; then
      case $tan_status in 2??) break ;; esac
      tan_code=$(tan_member code "$tan_tmp/body")
      tan_detail=$(tan_member detail "$tan_tmp/body")
      if [ -n "$tan_code" ]; then tan_reason_line="$tan_status $tan_code: $tan_detail"; else tan_reason_line="HTTP $tan_status"; fi
      case $tan_status in
        5??) case $tan_code in random_exhausted | too_many_sequences) tan_permanent=1 ;; *) tan_permanent= ;; esac ;;
        *) tan_permanent=1 ;;
      esac
      if [ -n "$tan_permanent" ]; then
        tan_who=
        case $tan_code in
          invalid_sequence_id | ambiguous_sequence_id | sequence_exhausted | sequence_not_found | ledger_required) tan_who=sequence ;;
          invalid_count) tan_who=count ;;
          invalid_idempotency_key | idempotency_key_reused) tan_who=idempotency-key ;;
          reservation_not_found | already_confirmed) tan_who=reservation ;;
          invalid_body) case $tan_mode in void) tan_who=reason ;; confirm) tan_who=ref ;; esac ;;
          not_found) tan_fail "$(tan_input url): the server answered $tan_reason_line (is it the take-a-number service, and new enough for mode $tan_mode?)" ;;
        esac
        case $tan_status in 401 | 403) tan_who=token ;; esac
        case $tan_status in
          401) tan_reason_line="$tan_reason_line (set TAKE_A_NUMBER_TOKEN to a token the server accepts, from a masked variable)" ;;
          403) tan_reason_line="$tan_reason_line (the token lacks the scope: it needs take on this sequence)" ;;
        esac
        [ -n "$tan_who" ] || tan_fail "the server answered $tan_reason_line"
        tan_fail "$(tan_input "$tan_who"): the server answered $tan_reason_line"
      fi
      tan_wait=$(awk 'tolower($1) == "retry-after:" && $2 ~ /^[0-9]+/ { print $2 + 0; exit }' "$tan_tmp/head")
    else
      tan_reason_line="cannot reach $tan_origin: $(sed -e 's/^curl: ([0-9]*) //' "$tan_tmp/err" | head -n 1)"
      # Transient: resolve, connect, timeout, TLS handshake, empty reply, send or receive failed.
      case $tan_rc in 5 | 6 | 7 | 28 | 35 | 52 | 55 | 56) ;; *) tan_fail "$(tan_input url): $tan_reason_line" ;; esac
    fi
    if [ $tan_attempt -ge "$tan_retries" ]; then
      [ "$tan_retries" -eq 0 ] || tan_reason_line="$tan_reason_line (gave up after $((tan_attempt + 1)) attempts)"
      if [ $tan_rc -eq 0 ]; then tan_fail "the server answered $tan_reason_line"; else tan_fail "$(tan_input url): $tan_reason_line"; fi
    fi
    [ -n "$tan_wait" ] || tan_wait=$((1 << tan_attempt))
    [ "$tan_wait" -le 30 ] || tan_wait=30
    [ $tan_attempt -ge 3 ] && [ "$tan_wait" -lt 5 ] && tan_wait=5
    tan_attempt=$((tan_attempt + 1))
    sleep "$tan_wait"
  done

  if [ "$tan_mode" = next ]; then tan_number=$(tan_member next_value "$tan_tmp/body"); else tan_number=$(tan_member number "$tan_tmp/body"); fi
  case $tan_number in '' | *[!0-9]*) tan_fail "$(tan_input url): the answer has no number (is it the take-a-number service?): $(head -c 200 "$tan_tmp/body")" ;; esac
  tan_last=$(tan_member last_value "$tan_tmp/body")
  [ -n "$tan_last" ] || tan_last=$tan_number
  tan_formatted=$(tan_member formatted "$tan_tmp/body")
  [ -n "$tan_formatted" ] || tan_formatted=$(tan_member 'formatted[]' "$tan_tmp/body" | head -n 1)
  [ -n "$tan_formatted" ] || tan_formatted=$tan_number
  tan_reservation=$(tan_member reservation "$tan_tmp/body")
  tan_state=$(tan_member state "$tan_tmp/body")

  if [ "$tan_format" = json ]; then cat "$tan_tmp/body"; echo
  elif [ -n "$(tan_member 'formatted[]' "$tan_tmp/body")" ]; then tan_member 'formatted[]' "$tan_tmp/body"
  elif [ -n "$(tan_member formatted "$tan_tmp/body")" ]; then printf '%s\n' "$tan_formatted"
  else seq "$tan_number" "$tan_last" 2>/dev/null || awk -v a="$tan_number" -v b="$tan_last" 'BEGIN { for (i = a; i <= b; i++) print i }'
  fi
  if [ -n "$tan_dotenv" ]; then
    {
      printf 'TAN_NUMBER=%s\n' "$tan_number"
      [ -z "$tan_count" ] || printf 'TAN_LAST=%s\n' "$tan_last"
      printf 'TAN_FORMATTED=%s\n' "$tan_formatted"
      [ -z "$tan_reservation" ] || printf 'TAN_RESERVATION=%s\n' "$tan_reservation"
      [ -z "$tan_state" ] || printf 'TAN_STATE=%s\n' "$tan_state"
    } >> "$tan_dotenv" || tan_fail "cannot write the dotenv file $tan_dotenv"
  fi
)
# take_a_number: end

take_a_number "$@"
