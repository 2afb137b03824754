#!/usr/bin/env bash
# Starts or stops the demo: the local control plane on 127.0.0.1 with the
# workloads of test/cluster/cmd/demo, running in the background with its
# state under .demo/ at the repository root.
#
#   demo.sh up     start it, wait until it is ready, explain each HPA
#   demo.sh down   stop it and check that no process or port is left
#
# "make demo" and "make demo-down" build what is missing and call this.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
demo_dir="$root/.demo"
demo_bin="$root/test/cluster/.cache/bin/demo"
plugin="$root/bin/kubectl-hpametrics"
pid_file="$demo_dir/demo.pid"
state_file="$demo_dir/state.json"
log_file="$demo_dir/demo.log"
ready_timeout=600

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid="$(cat "$pid_file")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

up() {
  local pid
  if pid="$(running_pid)"; then
    echo "The demo is already running (pid $pid). Run 'make demo-down' first." >&2
    exit 1
  fi
  mkdir -p "$demo_dir"
  rm -f "$state_file" "$demo_dir/state.last.json"

  # setsid puts the demo in its own session, so a Ctrl-C in this terminal
  # does not reach it once it runs in the background.
  HPAMETRICS_CLUSTER_DIR="$root/test/cluster" \
    setsid "$demo_bin" --state-dir="$demo_dir" >"$log_file" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pid_file"
  echo "Starting the demo (pid $pid, log $log_file); this takes about a minute."

  local waited=0
  until grep -q '"ready": true' "$state_file" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "The demo exited during startup. Last lines of $log_file:" >&2
      tail -n 30 "$log_file" >&2
      rm -f "$pid_file"
      exit 1
    fi
    if ((waited >= ready_timeout)); then
      echo "The demo was not ready after ${ready_timeout}s; stopping it. Log: $log_file" >&2
      down
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  cp "$state_file" "$demo_dir/state.last.json"

  local kubeconfig="$demo_dir/kubeconfig"
  echo
  echo "The demo cluster is running. To use it:"
  echo
  echo "  export KUBECONFIG=$kubeconfig"
  echo
  explain_all "$kubeconfig"
  echo
  echo "Stop it with 'make demo-down'."
}

explain_all() {
  local kubeconfig="$1"
  if ! KUBECONFIG="$kubeconfig" "$plugin" explain --help >/dev/null 2>&1; then
    echo "This build of $plugin has no explain command yet. What it has:"
    "$plugin" --help || true
    return
  fi
  local hpa status
  while read -r hpa; do
    [[ -n "$hpa" ]] || continue
    echo "\$ kubectl hpametrics explain -n demo $hpa"
    status=0
    KUBECONFIG="$kubeconfig" "$plugin" explain -n demo "$hpa" || status=$?
    if ((status != 0)); then
      echo "(exit status $status)"
    fi
    echo
  done <"$demo_dir/hpas"
}

down() {
  local pid
  if pid="$(running_pid)"; then
    echo "Stopping the demo (pid $pid)."
    kill -TERM "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
      if ((waited >= 60)); then
        echo "The demo did not exit within 60s of SIGTERM; killing it." >&2
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
        break
      fi
      sleep 1
      waited=$((waited + 1))
    done
  else
    echo "No demo is running."
  fi
  rm -f "$pid_file"
  check_nothing_left
}

# check_nothing_left fails if a process or a loopback port recorded in the
# last state file is still in use.
check_nothing_left() {
  local last="$demo_dir/state.last.json"
  [[ -f "$last" ]] || return 0
  local left=0 name number
  while read -r name number; do
    if kill -0 "$number" 2>/dev/null; then
      echo "Process $name (pid $number) is still running." >&2
      left=1
    fi
  done < <(sed -n '/"pids"/,/}/p' "$last" | grep -oE '"[a-z-]+": [0-9]+' | tr -d '":')
  while read -r name number; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$number") 2>/dev/null; then
      echo "Port $number ($name) on 127.0.0.1 still accepts connections." >&2
      left=1
    fi
  done < <(sed -n '/"ports"/,/}/p' "$last" | grep -oE '"[a-z-]+": [0-9]+' | tr -d '":')
  if ((left)); then
    return 1
  fi
  echo "No demo process or port is left."
  rm -f "$last"
}

case "${1:-}" in
up) up ;;
down) down ;;
*)
  echo "usage: $0 up|down" >&2
  exit 2
  ;;
esac
