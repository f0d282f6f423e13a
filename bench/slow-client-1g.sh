#!/bin/bash
# A 1 GiB response streamed through xgate (-Xmx64m, proxy_buffering on with its defaults) to a client reading at
# 1 MiB/s, from an nginx origin on loopback. Every 15 s it records the temp file's size, the gateway's heap use and
# RSS; at the end, the client's byte count and whether the temp file is gone. Takes about 18 minutes.
# Usage: bench/slow-client-1g.sh [WORKDIR] (default /tmp/xgate-slow-client); needs nginx, curl, jcmd and the jar
# built (mvn -q package -DskipTests). Ports 18500 (xgate) and 18501 (origin) on 127.0.0.1.
set -eu
jar=$(cd "$(dirname "$0")/.." && pwd)/gateway/target/xgate.jar
wd=${1:-/tmp/xgate-slow-client}
mkdir -p "$wd/origin" "$wd/logs"
[ -f "$wd/origin/1g.bin" ] || head -c 1073741824 /dev/urandom > "$wd/origin/1g.bin"
cat > "$wd/origin.conf" <<CONF
worker_processes 1; daemon off; pid $wd/nginx.pid; error_log $wd/logs/nginx-error.log;
events { worker_connections 64; }
http { access_log off; sendfile on; server { listen 127.0.0.1:18501; root $wd/origin; } }
CONF
cat > "$wd/xgate.conf" <<CONF
worker_processes 1; error_log $wd/logs/error.log info; pid $wd/xgate.pid;
http {
  access_log $wd/logs/access.log;
  proxy_temp_path $wd/temp;
  server { listen 127.0.0.1:18500; location / { proxy_pass http://127.0.0.1:18501; } }
}
CONF
nginx -c "$wd/origin.conf" & origin=$!
rm -f "$wd/xgate.pid"
java -Xmx64m -Xlog:gc:file="$wd/logs/gc.log" -jar "$jar" -c "$wd/xgate.conf" -p "$wd" & gateway=$!
trap 'kill $gateway $origin 2>/dev/null || true' EXIT
# the gateway writes its pid file once it listens (after its warm-up: seconds on a busy machine)
for _ in $(seq 600); do [ -s "$wd/xgate.pid" ] && break; sleep 0.1; done
start=$(date +%s)
curl -s --limit-rate 1M -o /dev/null -w 'client: HTTP %{http_code}, %{size_download} bytes in %{time_total} s\n' \
  http://127.0.0.1:18500/1g.bin > "$wd/curl.out" & client=$!
while kill -0 $client 2>/dev/null; do
  echo "t=$(( $(date +%s) - start ))s temp_file_bytes=$(du -sb "$wd/temp" 2>/dev/null | cut -f1)" \
    "heap=[$(jcmd $gateway GC.heap_info 2>/dev/null | grep -m1 -o 'total [0-9]*K, used [0-9]*K')]" \
    "rss_kb=$(awk '/VmRSS/{print $2}' /proc/$gateway/status)"
  sleep 15
done
cat "$wd/curl.out"
echo "temp files left: $(ls "$wd/temp" | wc -l)"
