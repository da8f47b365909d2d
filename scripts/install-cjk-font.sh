#!/usr/bin/env bash
# Install a CJK font for Chinese figure labels, where the system allows it (Debian/Ubuntu as root).
# Best effort: prints what it did; never fails the caller.
set -u
if command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then
  echo "CJK font present: $(fc-list :lang=zh family | head -n 1)"
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing fonts-wqy-microhei (Chinese labels in figures)..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei fontconfig) >/dev/null 2>&1 \
    && echo "installed fonts-wqy-microhei" \
    || echo "could not install a CJK font; figures in Chinese (--lang zh) will ask for one"
else
  echo "no CJK font found; for Chinese figures install one, e.g. 'sudo apt-get install fonts-noto-cjk'"
fi
exit 0
