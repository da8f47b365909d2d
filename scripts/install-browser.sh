#!/usr/bin/env bash
# Install Debian's chromium, with which the tests print the one-page brief to PDF and count its
# pages, and drive the interactive page (`commsim app`, through Playwright), where the system
# allows it (Debian/Ubuntu as root). Best effort: prints what it did; never fails the caller
# (the browser tests then fail by themselves when COMMSIM_REQUIRE_BROWSER is set).
set -u
for b in chromium chromium-browser; do
  if command -v "$b" >/dev/null 2>&1; then
    echo "browser present: $(command -v "$b")"
    exit 0
  fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium (to check that the brief prints on one page)..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
    && echo "installed chromium" \
    || echo "could not install chromium; the one-page test cannot run here"
else
  echo "no chromium found; to run the one-page test install it, e.g. 'sudo apt-get install chromium'"
fi
exit 0
