#!/usr/bin/env bash
# Fetches and builds what the v86 Linux example boots, into .cache/v86-linux/ (git-ignored):
#   bios.bin, vgabios-stdvga.bin  SeaBIOS, from Debian's seabios package
#   vmlinuz                       Debian's i386 kernel, the package linux-image-686:i386 depends on
#   initramfs.cpio                a cpio archive holding one static /init, built from init.c
# Everything comes from the package registries (apt, npm). Runs as root when it must install
# gcc-multilib or cpio, or add the i386 architecture; with a complete cache it only checks files.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="$root/.cache/v86-linux"
mkdir -p "$cache"

log() { echo "setup: $*" >&2; }
# Waits for the package lock: another test may be installing at the same moment.
apt_quiet() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@" -qq >/dev/null; }

# v86 itself is a devDependency of the package.
if [ ! -f "$root/node_modules/v86/build/libv86.mjs" ]; then
  log "installing npm packages (v86)"
  (cd "$root" && npm ci --no-audit --no-fund >/dev/null)
fi

# Extracts Debian package $1 (a name apt-get download takes) into directory $2.
extract_deb() {
  local package="$1" into="$2" work
  work="$(mktemp -d)"
  chmod a+rwx "$work" # apt fetches as the _apt user
  (cd "$work" && apt-get download -qq "$package" >/dev/null)
  dpkg-deb -x "$work"/*.deb "$into"
  rm -rf "$work"
}

if [ ! -s "$cache/bios.bin" ] || [ ! -s "$cache/vgabios-stdvga.bin" ]; then
  log "fetching SeaBIOS (Debian package seabios)"
  apt-cache show seabios >/dev/null 2>&1 || apt_quiet update
  tree="$(mktemp -d)"
  extract_deb seabios "$tree"
  cp "$tree/usr/share/seabios/bios.bin" "$tree/usr/share/seabios/vgabios-stdvga.bin" "$cache/"
  rm -rf "$tree"
fi

if [ ! -s "$cache/vmlinuz" ]; then
  if ! dpkg --print-foreign-architectures | grep -qx i386; then
    log "adding the i386 architecture"
    dpkg --add-architecture i386
    apt_quiet update
  fi
  apt-cache show linux-image-686:i386 >/dev/null 2>&1 || apt_quiet update
  # The metapackage depends on the current ABI's image package (linux-image-6.1.0-NN-686).
  kernel="$(apt-cache depends linux-image-686:i386 | awk '/Depends: linux-image-/ { print $2; exit }')"
  [ -n "$kernel" ] || { log "cannot resolve the package linux-image-686:i386 depends on"; exit 1; }
  log "fetching the kernel ($kernel)"
  tree="$(mktemp -d)"
  extract_deb "$kernel" "$tree"
  cp "$(ls "$tree"/boot/vmlinuz-* | head -n 1)" "$cache/vmlinuz.part"
  echo "${kernel%:i386}" >"$cache/kernel-package"
  mv "$cache/vmlinuz.part" "$cache/vmlinuz"
  rm -rf "$tree"
fi

# The initramfs, rebuilt whenever init.c changes.
stamp="$(sha256sum "$here/init.c" | cut -d' ' -f1)"
if [ ! -s "$cache/initramfs.cpio" ] || [ "$(cat "$cache/initramfs.stamp" 2>/dev/null)" != "$stamp" ]; then
  missing=()
  command -v cpio >/dev/null || missing+=(cpio)
  if ! echo 'int main(void) { return 0; }' | gcc -m32 -static -x c -o /dev/null - 2>/dev/null; then
    missing+=(gcc-multilib)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt_quiet update
    apt_quiet install -y --no-install-recommends "${missing[@]}"
  fi
  log "building the initramfs (static /init from init.c)"
  tree="$(mktemp -d)"
  gcc -m32 -static -std=c11 -O2 -Wall -Wextra -Werror -o "$tree/init" "$here/init.c"
  (cd "$tree" && echo init | cpio -o -H newc --quiet >"$cache/initramfs.cpio.part")
  mv "$cache/initramfs.cpio.part" "$cache/initramfs.cpio"
  echo "$stamp" >"$cache/initramfs.stamp"
  rm -rf "$tree"
fi

log "ready: $cache ($(cat "$cache/kernel-package"))"
