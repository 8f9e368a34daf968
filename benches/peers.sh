#!/usr/bin/env bash
# Side-by-side runs of the workloads of BENCHMARKS.md that have a peer
# script here (W2a, W2b, W4, W5 against PyTorch, W3 against JAX):
# `perturbo bench X --json` and the peer in one go, alternating, on the same
# number of threads. Prints every JSON line, then per workload and peer the
# median and range of the per-round ratios (perturbo / peer) and the best
# metric of each side. On a shared machine the ratio itself moves with the
# neighbours' load (printed beside it), so take many rounds.
#
# usage: benches/peers.sh [w2a] [w2b] [w3] [w4] [w5] (default: the four
# network workloads)
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
    w3) echo "w3_sgld.py" ;;
    *) echo "unknown workload $1 (w2a, w2b, w3, w4, w5)" >&2; exit 2 ;;
    esac
}

# The arguments every peer of a workload takes (W3's peer is one core and
# synthetic data).
peer_args() {
    case "$1" in
    w3) echo "" ;;
    *) echo "--threads $THREADS --data $DATA" ;;
    esac
}

metric() {
    case "$1" in
    w4) echo hvps_per_sec ;;
    w3) echo iters_per_sec ;;
    *) echo samples_per_sec ;;
    esac
}

# Keeps the larger of the stored best and a new value.
best() { jq -n --argjson a "${1:-0}" --argjson b "$2" 'if $a > $b then $a else $b end'; }

load() { cut -d' ' -f1-3 /proc/loadavg; }

# "median min max" of the numbers on standard input, one per line.
summary() {
    sort -g | awk '{v[NR] = $1} END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f %.2f %.2f", m, v[1], v[NR]
    }'
}

for w in "${workloads[@]}"; do
    key=$(metric "$w")
    IFS=';' read -r -a peers <<<"$(peer_cmds "$w")"
    declare -A top=() ratios=()
    for ((r = 1; r <= ROUNDS; r++)); do
        echo "# $w round $r/$ROUNDS, load $(load)"
        line=$("$PERTURBO" --threads "$THREADS" bench "$w" --json | tail -n 1)
        echo "$line"
        ours=$(jq ".$key" <<<"$line")
        top[perturbo]=$(best "${top[perturbo]:-0}" "$ours")
        for p in "${peers[@]}"; do
            # shellcheck disable=SC2086
            line=$(cd "$PEERS" && "$PYTHON" $p $(peer_args "$w") | tail -n 1)
            echo "$line"
            theirs=$(jq ".$key" <<<"$line")
            top[$p]=$(best "${top[$p]:-0}" "$theirs")
            ratios[$p]+="$(jq -n --argjson a "$ours" --argjson b "$theirs" '$a / $b')"$'\n'
        done
    done
    for p in "${peers[@]}"; do
        read -r median low high <<<"$(printf '%s' "${ratios[$p]}" | summary)"
        printf '%s %s: perturbo / %s median %s (%s to %s over %d rounds); best perturbo %.1f, best peer %.1f; load now %s\n' \
            "$w" "$key" "$p" "$median" "$low" "$high" "$ROUNDS" "${top[perturbo]}" "${top[$p]}" "$(load)"
    done
    unset top ratios
done
