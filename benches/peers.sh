#!/usr/bin/env bash
# Side-by-side runs of the network workloads of BENCHMARKS.md (W2a, W2b,
# W4, W5): perturbo's `perturbo bench X --json` and the PyTorch peer script
# in one go, alternating, on the same number of threads. Prints every JSON
# line, then per workload the best metric of each side over the rounds and
# their ratio (perturbo / peer). Ratios taken in one run hold; absolute
# figures drift with the machine's load, which is printed beside them.
#
# usage: benches/peers.sh [w2a] [w2b] [w4] [w5] (default: all four)
# environment:
#   ROUNDS   rounds of (perturbo, peer) per workload (default 3; best counts)
#   THREADS  threads on both sides (default 2)
#   PERTURBO the perturbo binary (default target/release/perturbo; build it
#            first with `cargo build --release`)
#   PYTHON   the peers' Python (default $HOME/.venvs/peers/bin/python)
#   PEERS    the peer scripts' folder (default /work/shared/peers)
#   DATA     the MNIST folder (default data/mnist)
set -euo pipefail

ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
PERTURBO=${PERTURBO:-target/release/perturbo}
PYTHON=${PYTHON:-$HOME/.venvs/peers/bin/python}
PEERS=${PEERS:-/work/shared/peers}
DATA=$(realpath "${DATA:-data/mnist}")
workloads=("$@")
[ ${#workloads[@]} -eq 0 ] && workloads=(w2a w2b w4 w5)

# The peer command of a workload (several peers separated by ';').
peer_cmds() {
    case "$1" in
    w2a) echo "w2_train.py mlp" ;;
    w2b) echo "w2_train.py lenet5" ;;
    w4) echo "w4_hvp.py double-backward;w4_hvp.py func" ;;
    w5) echo "w5_per_sample.py" ;;
    *) echo "unknown workload $1 (w2a, w2b, w4, w5)" >&2; exit 2 ;;
    esac
}

metric() {
    case "$1" in
    w4) echo hvps_per_sec ;;
    *) echo samples_per_sec ;;
    esac
}

# Keeps the larger of the stored best and a new value.
best() { jq -n --argjson a "${1:-0}" --argjson b "$2" 'if $a > $b then $a else $b end'; }

load() { cut -d' ' -f1-3 /proc/loadavg; }

for w in "${workloads[@]}"; do
    key=$(metric "$w")
    IFS=';' read -r -a peers <<<"$(peer_cmds "$w")"
    declare -A top=()
    for ((r = 1; r <= ROUNDS; r++)); do
        echo "# $w round $r/$ROUNDS, load $(load)"
        line=$("$PERTURBO" --threads "$THREADS" bench "$w" --json | tail -n 1)
        echo "$line"
        top[perturbo]=$(best "${top[perturbo]:-0}" "$(jq ".$key" <<<"$line")")
        for p in "${peers[@]}"; do
            # shellcheck disable=SC2086
            line=$(cd "$PEERS" && "$PYTHON" $p --threads "$THREADS" --data "$DATA" | tail -n 1)
            echo "$line"
            top[$p]=$(best "${top[$p]:-0}" "$(jq ".$key" <<<"$line")")
        done
    done
    for p in "${peers[@]}"; do
        ratio=$(jq -n --argjson a "${top[perturbo]}" --argjson b "${top[$p]}" '$a / $b')
        printf '%s %s: perturbo %.1f, %s %.1f, ratio %.2f (best of %d, load now %s)\n' \
            "$w" "$key" "${top[perturbo]}" "$p" "${top[$p]}" "$ratio" "$ROUNDS" "$(load)"
    done
    unset top
done
