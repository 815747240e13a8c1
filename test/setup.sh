#!/usr/bin/env bash
# Installs the Debian packages the tests use (run as root, or through sudo):
#   socat             serial PTY pairs for serial transport tests
#   mosquitto(-clients) a real MQTT 5 broker, and mosquitto_pub for end-to-end tests
#   zbar-tools        zbarimg, which decodes the barcodes of rendered label previews
#   chromium          the browser of the console's end-to-end tests (driven by playwright-core)
#   openssl           a throwaway CA and client certificates for the TLS tests (test/cluster/)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends socat mosquitto mosquitto-clients zbar-tools chromium openssl >/dev/null
# The Debian package starts a broker on port 1883, where the embedded broker of `npm start`
# listens; the tests start their own brokers on free ports.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now mosquitto >/dev/null 2>&1 || true; fi
pkill -x mosquitto 2>/dev/null || true
echo "test packages installed"
