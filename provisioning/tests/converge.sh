#!/usr/bin/env bash
# Real converge: bootstrap a fresh Debian 12 root (debootstrap), run site.yml into it through
# Ansible's chroot connection, check what it made, then run it again and require changed=0.
#
#   sudo provisioning/tests/converge.sh            # about 10-20 minutes, downloads ~400 MB
#
# Not part of the normal test run. Needs root, debootstrap, network access to Debian's and
# PyPI's registries, ansible (ansible-core + community.general) in $ANSIBLE_BIN.
# Environment: KIOSK_CONVERGE_DIR (work folder, default /var/tmp/kiosk-converge; the
# bootstrapped root is kept as a tarball there and reused), DEBIAN_MIRROR, ANSIBLE_BIN,
# KEEP_ROOT=1 (leave the converged root for inspection).
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"          # provisioning/
REPO="$(cd "$HERE/.." && pwd)"
WORK="${KIOSK_CONVERGE_DIR:-/var/tmp/kiosk-converge}"
ROOT="$WORK/root"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ANSIBLE_BIN="${ANSIBLE_BIN:-/work/venv/bin}"
PYTHON="${PYTHON:-$ANSIBLE_BIN/python}"
export PATH="$ANSIBLE_BIN:$PATH" ANSIBLE_CONFIG="$HERE/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

[ "$(id -u)" = 0 ] || { echo "converge: run as root (debootstrap and chroot need it)"; exit 2; }
command -v debootstrap >/dev/null || { echo "converge: apt-get install debootstrap"; exit 2; }
command -v ansible-playbook >/dev/null || { echo "converge: install ansible into $ANSIBLE_BIN"; exit 2; }

mounted=()
cleanup() {
    for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
    if [ "${KEEP_ROOT:-0}" != 1 ]; then rm -rf "$ROOT"; fi
}
trap cleanup EXIT

step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

mkdir -p "$WORK"
rm -rf "$ROOT"
step "bootstrap Debian 12 into $ROOT"
if [ -f "$WORK/bookworm-minbase.tar" ]; then
    mkdir -p "$ROOT" && tar -xf "$WORK/bookworm-minbase.tar" -C "$ROOT"
    echo "reused $WORK/bookworm-minbase.tar"
else
    debootstrap --variant=minbase --include=python3,python3-apt,ca-certificates,systemd,systemd-sysv \
        bookworm "$ROOT" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
        || { tail -20 "$WORK/debootstrap.log"; exit 1; }
    tar -cf "$WORK/bookworm-minbase.tar" -C "$ROOT" .
fi
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# The host's local CAs (a network proxy's) for pip inside the root.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$ROOT/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
    chroot "$ROOT" update-ca-certificates >/dev/null 2>&1 || true
fi
for fs in proc sys dev dev/pts; do
    mkdir -p "$ROOT/$fs"
    case $fs in
        proc) mount -t proc proc "$ROOT/proc" ;;
        sys) mount -t sysfs sys "$ROOT/sys" ;;
        dev) mount --bind /dev "$ROOT/dev" ;;
        dev/pts) mount --bind /dev/pts "$ROOT/dev/pts" ;;
    esac
    mounted+=("$ROOT/$fs")
done
# A service must not start inside the image build.
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"; chmod 755 "$ROOT/usr/sbin/policy-rc.d"

step "build the app wheel"
rm -rf "$WORK/src" "$WORK/dist"; mkdir -p "$WORK/src" "$WORK/dist"
git -C "$REPO" archive --format=tar HEAD | tar -x -C "$WORK/src"
[ -f "$WORK/src/README.md" ] || echo "Reading Room Kiosk" > "$WORK/src/README.md"
"$PYTHON" -m pip wheel --quiet --no-deps -w "$WORK/dist" "$WORK/src"
WHEEL="$(ls "$WORK"/dist/*.whl)"
echo "$WHEEL"

step "inventory"
printf 'username=reading-room\npassword=not-a-real-password\ndomain=ARCHIVE\n' > "$WORK/share.credentials"
PIN_HASH="$("$PYTHON" -c 'import hashlib,os;s=os.urandom(16);print("pbkdf2_sha256$200000$"+s.hex()+"$"+hashlib.pbkdf2_hmac("sha256",b"2468",s,200000).hex())')"
cat > "$WORK/inventory.yml" <<EOF
terminals:
  hosts:
    $ROOT:
      ansible_connection: community.general.chroot
      ansible_python_interpreter: /usr/bin/python3
      kiosk_terminal_id: hall1-t07
      kiosk_location: "现行文件查阅中心 七号机"
      kiosk_share_type: cifs
      kiosk_share_source: "//fileserver.archive.test/reading-room"
      kiosk_share_credentials_file: "$WORK/share.credentials"
      kiosk_idle_timeout_s: 120
      kiosk_printer: hall1-printer
      kiosk_url_pattern: "https://www.example.gov.cn/xxgk/{index_number}.html"
      kiosk_admin_pin_hash: "$PIN_HASH"
      kiosk_orientation: portrait
      kiosk_wheel: "$WHEEL"
EOF

converge() {
    ansible-playbook -i "$WORK/inventory.yml" "$HERE/site.yml" > "$WORK/$1.log" 2>&1 \
        || { tail -40 "$WORK/$1.log"; echo "converge: $1 failed (log: $WORK/$1.log)"; exit 1; }
    grep -A2 'PLAY RECAP' "$WORK/$1.log"
}

step "first converge"
t0=$(date +%s); converge run1; echo "first converge: $(( $(date +%s) - t0 )) s"

step "checks of what it made"
fail=0
check() {  # check "what" command...
    if "${@:2}" >/dev/null 2>&1; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
in_root() { chroot "$ROOT" "$@"; }
mode_of() { chroot "$ROOT" stat -c '%a %U:%G' "$1"; }
share_unit="$(systemd-escape --path --suffix=mount /mnt/archive-share)"
status_unit="$(systemd-escape --path --suffix=mount /mnt/archive-share/.kiosk-status)"
check "kiosk user exists, no password, no login shell" \
    sh -c "chroot '$ROOT' getent passwd kiosk | grep -q ':/usr/sbin/nologin$' && chroot '$ROOT' getent shadow kiosk | cut -d: -f2 | grep -qx '!'"
check "kiosk user in video,render,input" sh -c "chroot '$ROOT' id -nG kiosk | tr ' ' '\n' | sort | tr '\n' ' ' | grep -q 'input.*render.*video'"
check "credentials file 600 root:root" test "$(mode_of /etc/reading-room-kiosk/share.credentials)" = "600 root:root"
check "kiosk.toml 640 root:kiosk" test "$(mode_of /etc/reading-room-kiosk/kiosk.toml)" = "640 root:kiosk"
check "library 750 kiosk:kiosk" test "$(mode_of /var/lib/reading-room-kiosk/library)" = "750 kiosk:kiosk"
check "kiosk.toml parses with every key known" \
    in_root /opt/reading-room-kiosk/venv/bin/python -c "from index.config import load_config as l; c=l('/etc/reading-room-kiosk/kiosk.toml'); assert c['terminal.id']=='hall1-t07' and c['app.orientation']=='portrait' and c['app.idle_timeout_s']==120.0, dict(c)"
check "kiosk command on PATH" in_root /usr/local/bin/kiosk --help
check "mount unit: cifs, ro, credentials, iocharset=utf8" \
    grep -q '^Options=ro,credentials=/etc/reading-room-kiosk/share.credentials,.*iocharset=utf8' "$ROOT/etc/systemd/system/$share_unit"
check "automount enabled" test -L "$ROOT/etc/systemd/system/remote-fs.target.wants/${share_unit%.mount}.automount"
check "status mount unit (rw)" grep -q '^Options=rw,' "$ROOT/etc/systemd/system/$status_unit"
check "sync service enabled" test -L "$ROOT/etc/systemd/system/multi-user.target.wants/reading-room-kiosk-sync.service"
check "sync service Type=notify + WatchdogSec + Restart=always + StartLimitIntervalSec=0" \
    sh -c "grep -q '^Type=notify' '$ROOT/etc/systemd/system/reading-room-kiosk-sync.service' && grep -q '^WatchdogSec=' '$ROOT/etc/systemd/system/reading-room-kiosk-sync.service' && grep -q '^Restart=always' '$ROOT/etc/systemd/system/reading-room-kiosk-sync.service' && grep -q '^StartLimitIntervalSec=0' '$ROOT/etc/systemd/system/reading-room-kiosk-sync.service'"
check "metrics timer enabled" test -L "$ROOT/etc/systemd/system/timers.target.wants/reading-room-kiosk-metrics.timer"
check "app service enabled, cage rotates portrait (-r)" \
    sh -c "test -L '$ROOT/etc/systemd/system/graphical.target.wants/reading-room-kiosk-app.service' && grep -q '^ExecStart=/usr/bin/cage -d -r -- ' '$ROOT/etc/systemd/system/reading-room-kiosk-app.service'"
check "default target graphical" test "$(readlink "$ROOT/etc/systemd/system/default.target")" = /usr/lib/systemd/system/graphical.target
check "ctrl-alt-del masked" test "$(readlink "$ROOT/etc/systemd/system/ctrl-alt-del.target")" = /dev/null
check "no gettys on other VTs (NAutoVTs=0)" grep -q '^NAutoVTs=0' "$ROOT/etc/systemd/logind.conf.d/reading-room-kiosk.conf"
check "reboot slot set" grep -q 'Automatic-Reboot-Time "[0-9][0-9]:[0-9][0-9]"' "$ROOT/etc/apt/apt.conf.d/52reading-room-kiosk"
check "cage, fonts, cifs-utils, node_exporter installed" \
    in_root dpkg-query -W cage fonts-wqy-microhei cifs-utils prometheus-node-exporter unattended-upgrades
check "textfile dir writable by kiosk" test "$(chroot "$ROOT" stat -c '%a %G' /var/lib/prometheus/node-exporter)" = "775 kiosk"
check "systemd-analyze verify of the installed units" \
    sh -c "cd '$ROOT/etc/systemd/system' && SYSTEMD_LOG_LEVEL=err systemd-analyze verify --root='$ROOT' reading-room-kiosk-sync.service reading-room-kiosk-metrics.service reading-room-kiosk-metrics.timer reading-room-kiosk-app.service"
echo "--- kiosk doctor inside the root (no share, no systemd: failures expected, the config must pass)"
in_root env -u DISPLAY runuser -u kiosk -- /usr/local/bin/kiosk --config /etc/reading-room-kiosk/kiosk.toml doctor || true
check "doctor: config and font pass" sh -c "chroot '$ROOT' runuser -u kiosk -- /usr/local/bin/kiosk --config /etc/reading-room-kiosk/kiosk.toml doctor --json | '$PYTHON' -c 'import json,sys; d={c[\"name\"]:c[\"ok\"] for c in json.load(sys.stdin)[\"checks\"]}; assert d[\"config\"] and d[\"font\"], d'"
check "metrics written atomically as kiosk" \
    sh -c "chroot '$ROOT' runuser -u kiosk -- /usr/local/bin/kiosk --config /etc/reading-room-kiosk/kiosk.toml metrics && grep -Eq '^kiosk_app_up{terminal=\"hall1-t07\"} [01]$' '$ROOT/var/lib/prometheus/node-exporter/reading-room-kiosk.prom'"

# A library made by the kiosk user (as the sync would), then `sudo kiosk doctor`: the library check
# must pass and leave no root-owned file in the library (it runs as the library's owner).
cat > "$ROOT/tmp/make_library.py" <<'PY'
import hashlib, pathlib
from index.config import load_config
from index.library import Library
from index.models import DocumentMeta, Extracted
config = load_config("/etc/reading-room-kiosk/kiosk.toml")
text = "关于进一步规范政府信息公开工作的通知"
data = text.encode()
checksum = hashlib.sha256(data).hexdigest()
with Library.open(config["library.path"], config, writable=True) as lib:
    copy = lib.copy_path_for(checksum, ".txt")
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(data)
    meta = DocumentMeta(kind="规范性文件", title=text, reviewer="王审", review_date="2024-02-28")
    with lib.writer() as w:
        w.add_or_update("规范性文件/通知.txt", copy, checksum, len(data), 0.0, Extracted([text], 1, True, "txt"), meta)
PY
check "library made by the kiosk user" in_root runuser -u kiosk -- /opt/reading-room-kiosk/venv/bin/python /tmp/make_library.py
check "doctor as root: library ok, nothing in it owned by root" sh -c "chroot '$ROOT' /usr/local/bin/kiosk doctor --json | '$PYTHON' -c 'import json,sys; d={c[\"name\"]:c for c in json.load(sys.stdin)[\"checks\"]}; assert d[\"library\"][\"ok\"], d[\"library\"]' && test -z \"\$(find '$ROOT/var/lib/reading-room-kiosk/library' -uid 0)\""
grep -v '^#' "$ROOT/var/lib/prometheus/node-exporter/reading-room-kiosk.prom" 2>/dev/null | sed 's/^/    /' || true
# (kiosk_app_up reads /proc, which inside the chroot is the host's: a `kiosk app` running on the host counts.)

step "second converge (must change nothing)"
t0=$(date +%s); converge run2; echo "second converge: $(( $(date +%s) - t0 )) s"
if grep -A2 'PLAY RECAP' "$WORK/run2.log" | grep -q ' changed=0 '; then
    echo "ok   idempotent: changed=0"
else
    echo "FAIL second converge changed something:"; grep -E '^changed:' "$WORK/run2.log" || true; fail=1
fi

step "result"
[ $fail = 0 ] && echo "converge: all checks passed" || echo "converge: some checks FAILED"
exit $fail
