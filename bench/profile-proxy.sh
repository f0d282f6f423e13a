#!/bin/bash
# Where a proxied request's CPU goes, on the proxy-bench layout: xgate pinned to CPU 0, an nginx origin and wrk on
# CPU 1, 50 keep-alive connections, and an nginx reverse proxy on CPU 0 beside it for comparison.
#
# 1. CPU per request: utime and stime of each proxy's process over one 10-s wrk run, in microseconds per request
#    (/proc/PID/stat), after a warm-up. This is what says how much of the gap to nginx is the kernel's and how much
#    the JVM's. For the JVM proxies also the bytes allocated per request (jstat's eden samples over the same run;
#    they include what the JVM allocates meanwhile, little against ~500,000 requests).
# 2. With --profile: a CPU profile of xgate in steady state (async-profiler 3.0 from Maven Central, as an agent,
#    collapsed stacks every 15 s). The JIT needs a long while on one core, so the gateway warms up on both cores
#    first and is then pinned to CPU 0 (taskset -a) for the profiled run.
#
# 3. With --floor: the same per-request measure for bench/NettyFloorProxy.java (a bare proxy on Netty alone, pinned
#    to CPU 0 as well): the floor for a proxy on the JVM here, i.e. how much of the gap is the JVM's and Netty's and
#    how much is what xgate adds on top; and for the same program with --relay (row "relay": each client connection
#    relayed byte for byte to an origin connection of its own, no HTTP at all), the least any proxy on Netty pays.
#
# 4. With --compare JAR: a second gateway from JAR (e.g. the jar of an earlier commit), started, warmed and pinned
#    as the first and measured beside it, so that a change's CPU per request is compared in one run; with
#    --rounds N every proxy is measured N times, in turn (the machine's noise shows as the spread of a column).
#
# 5. With --browser-headers: every request carries the ten headers a browser sends with a page request (~560 bytes:
#    User-Agent, Accept, Accept-Language, Accept-Encoding, Cookie, Referer, Sec-Fetch-*, ...) instead of wrk's bare
#    Host, which is what the request side of a proxy costs with real clients.
#
# Usage: bench/profile-proxy.sh [--profile] [--floor] [--compare JAR] [--rounds N] [--browser-headers] [PATH] [WORKDIR]
#   PATH: /small (100 bytes, default) or /64k.bin; WORKDIR default /tmp/xgate-profile
# Needs nginx, wrk, taskset, curl, python3, the jar built (mvn -q package -DskipTests), and for --profile mvn.
# Prints the per-request table; the profile lands in WORKDIR/profile-*.collapsed (feed it to flamegraph.pl or
# read its heaviest frames with: sort -t' ' -k2 -n -r).
set -eu
profile=no
if [ "${1:-}" = "--profile" ]; then profile=yes; shift; fi
floor=no
if [ "${1:-}" = "--floor" ]; then floor=yes; shift; fi
compare=""
if [ "${1:-}" = "--compare" ]; then compare=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2; fi
rounds=1
if [ "${1:-}" = "--rounds" ]; then rounds=$2; shift 2; fi
headers=()
if [ "${1:-}" = "--browser-headers" ]; then
  headers=(-H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
    -H 'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'
    -H 'Accept-Language: en-US,en;q=0.9,de;q=0.8' -H 'Accept-Encoding: gzip, deflate, br'
    -H 'Cookie: session=0123456789abcdef0123456789abcdef; theme=dark; _ga=GA1.2.1234567890.1234567890'
    -H 'Referer: https://example.org/some/page?with=query' -H 'Sec-Fetch-Mode: navigate'
    -H 'Sec-Fetch-Site: same-origin' -H 'Upgrade-Insecure-Requests: 1' -H 'Cache-Control: max-age=0')
  shift
fi
path=${1:-/small}
wd=${2:-/tmp/xgate-profile}
jar=$(cd "$(dirname "$0")/.." && pwd)/gateway/target/xgate.jar
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
o1=$(free_port); o2=$(free_port); xp=$(free_port); np=$(free_port); fp=$(free_port); cp=$(free_port); rp=$(free_port)
mkdir -p "$wd/html" "$wd/logs" "$wd/tmp"
[ -f "$wd/html/64k.bin" ] || head -c 65536 /dev/urandom > "$wd/html/64k.bin"
temp="client_body_temp_path $wd/tmp/cb; proxy_temp_path $wd/tmp/p; fastcgi_temp_path $wd/tmp/f;
      uwsgi_temp_path $wd/tmp/u; scgi_temp_path $wd/tmp/s;"
cat > "$wd/origin.conf" <<CONF
worker_processes 1; daemon off; master_process off; pid $wd/origin.pid; error_log $wd/logs/origin.log warn;
events { worker_connections 4096; }
http {
  access_log off; default_type application/octet-stream; sendfile on; tcp_nopush on;
  keepalive_timeout 75s; keepalive_requests 1000000; open_file_cache max=16 inactive=300s; $temp
  server {
    listen 127.0.0.1:$o1 backlog=4096; listen 127.0.0.1:$o2 backlog=4096;
    location = /small { default_type text/plain; return 200 "$(printf '0123456789%.0s' $(seq 10))"; }
    location / { root $wd/html; }
  }
}
CONF
cat > "$wd/nginx-proxy.conf" <<CONF
worker_processes 1; daemon off; master_process off; pid $wd/proxy.pid; error_log $wd/logs/proxy.log warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_timeout 75s; keepalive_requests 1000000; $temp
  upstream backend { server 127.0.0.1:$o1; server 127.0.0.1:$o2; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$np backlog=4096;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
cat > "$wd/xgate.conf" <<CONF
worker_processes 1; error_log $wd/logs/xgate.log warn; pid $wd/xgate.pid;
http {
  access_log off; keepalive_timeout 75s; keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$o1; server 127.0.0.1:$o2; keepalive 64; keepalive_requests 1000000; }
  server { listen 127.0.0.1:$xp; location / { proxy_pass http://backend; proxy_set_header Connection ""; } }
}
CONF
sed -e "s/listen 127.0.0.1:$xp;/listen 127.0.0.1:$cp;/" -e "s#pid $wd/xgate.pid#pid $wd/compared.pid#" \
  -e "s#logs/xgate.log#logs/compared.log#" "$wd/xgate.conf" > "$wd/compared.conf"
agent=""
if [ $profile = yes ]; then
  ap="$wd/async-profiler"
  if [ ! -f "$ap/linux-x64/libasyncProfiler.so" ]; then
    mvn -q dependency:copy -Dartifact=tools.profiler:async-profiler:3.0 -DoutputDirectory="$ap"
    (cd "$ap" && unzip -qo async-profiler-3.0.jar 'linux-x64/*')
  fi
  rm -f "$wd"/profile-*.collapsed
  agent="-agentpath:$ap/linux-x64/libasyncProfiler.so=start,event=cpu,interval=1ms,loop=15s,file=$wd/profile-%t.collapsed,collapsed"
fi
taskset -c 1 nginx -c "$wd/origin.conf" & origin=$!
taskset -c 0 nginx -c "$wd/nginx-proxy.conf" & nginx_proxy=$!
if [ $profile = yes ]; then
  java -Xmx512m $agent -jar "$jar" -c "$wd/xgate.conf" -p "$wd" > "$wd/logs/xgate.out" 2>&1 & gateway=$!
else
  taskset -c 0 java -Xmx512m -jar "$jar" -c "$wd/xgate.conf" -p "$wd" > "$wd/logs/xgate.out" 2>&1 & gateway=$!
fi
compared=""
if [ -n "$compare" ]; then
  mkdir -p "$wd/compared"
  if [ $profile = yes ]; then
    java -Xmx512m -jar "$compare" -c "$wd/compared.conf" -p "$wd/compared" > "$wd/logs/compared.out" 2>&1 &
  else
    taskset -c 0 java -Xmx512m -jar "$compare" -c "$wd/compared.conf" -p "$wd/compared" > "$wd/logs/compared.out" 2>&1 &
  fi
  compared=$!
fi
floor_proxy=""
relay_proxy=""
if [ $floor = yes ]; then
  taskset -c 0 java -Xmx512m -cp "$jar" "$(dirname "$0")/NettyFloorProxy.java" $fp $o1 $o2 > "$wd/logs/floor.out" 2>&1 &
  floor_proxy=$!
  taskset -c 0 java -Xmx512m -cp "$jar" "$(dirname "$0")/NettyFloorProxy.java" --relay $rp $o1 $o2 \
    > "$wd/logs/relay.out" 2>&1 &
  relay_proxy=$!
fi
trap 'kill $gateway $nginx_proxy $origin $floor_proxy $relay_proxy $compared 2>/dev/null || true; wait 2>/dev/null || true' EXIT
gateways=("$gateway $xp")
if [ -n "$compare" ]; then gateways+=("$compared $cp"); fi
for g in "${gateways[@]}"; do
  set -- $g
  for i in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$2/small" && break; sleep 0.2; done
  if [ $profile = yes ]; then
    for p in /small /64k.bin "$path"; do wrk -t2 -c50 -d20s ${headers[@]+"${headers[@]}"} "http://127.0.0.1:$2$p" > /dev/null; done
    taskset -a -p -c 0 $1 > /dev/null
  fi
  taskset -c 1 wrk -t1 -c50 -d40s ${headers[@]+"${headers[@]}"} "http://127.0.0.1:$2$path" > /dev/null
done
taskset -c 1 wrk -t1 -c50 -d10s ${headers[@]+"${headers[@]}"} "http://127.0.0.1:$np$path" > /dev/null
runs=("nginx $nginx_proxy $np" "xgate $gateway $xp")
if [ -n "$compare" ]; then runs+=("compared $compared $cp"); fi
if [ $floor = yes ]; then
  for p in $fp $rp; do
    for i in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$p/small" && break; sleep 0.2; done
    taskset -c 1 wrk -t1 -c50 -d40s ${headers[@]+"${headers[@]}"} "http://127.0.0.1:$p$path" > /dev/null
  done
  runs+=("floor $floor_proxy $fp" "relay $relay_proxy $rp")
fi
cpu() { awk '{print $14, $15}' "/proc/$1/stat"; }
echo "path $path${headers[@]+ with browser headers}, 10 s of wrk -t1 -c50 each, CPU of the proxy's process per request${compare:+ (compared: $compare)}:"
echo "(alloc: bytes a JVM proxy allocated per request, from its eden as jstat samples it every 200 ms)"
printf '%-9s %10s %12s %12s %12s %12s\n' proxy requests 'user us/req' 'sys us/req' 'total us/req' 'alloc B/req'
for round in $(seq "$rounds"); do
  for run in "${runs[@]}"; do
    set -- $run
    jstat_pid=""
    if [ "$1" != nginx ] && command -v jstat > /dev/null; then
      taskset -c 1 jstat -gc "$2" 200 > "$wd/logs/jstat.out" 2> /dev/null & jstat_pid=$!
      sleep 1   # its JVM starts on the load's CPU, not the proxy's
    fi
    before=($(cpu $2))
    n=$(taskset -c 1 wrk -t1 -c50 -d10s ${headers[@]+"${headers[@]}"} "http://127.0.0.1:$3$path" | awk '/requests in/ {print $1}')
    after=($(cpu $2))
    if [ -n "$jstat_pid" ]; then sleep 0.3; kill $jstat_pid; wait $jstat_pid 2> /dev/null || true; fi
    python3 - "$wd/logs/jstat.out" "$jstat_pid" <<PY
import sys
tick = 1e6 / $(getconf CLK_TCK)
u = ($((after[0] - before[0]))) * tick / $n; s = ($((after[1] - before[1]))) * tick / $n
alloc = '-'
if sys.argv[2]:
    # eden capacity/used and young GC count per sample; a GC empties eden, which was full (its capacity) at it
    rows = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.lstrip().startswith('S0C')]
    total = 0.0
    for a, b in zip(rows, rows[1:]):
        ec_a, eu_a, gc_a = float(a[4]), float(a[5]), int(a[12])
        ec_b, eu_b, gc_b = float(b[4]), float(b[5]), int(b[12])
        total += eu_b - eu_a if gc_b == gc_a else (ec_a - eu_a) + (gc_b - gc_a - 1) * ec_b + eu_b
    alloc = '%d' % (total * 1024 / $n)
print('%-9s %10d %12.1f %12.1f %12.1f %12s' % ('$1', $n, u, s, u + s, alloc))
PY
  done
done
if [ $profile = yes ]; then
  sleep 16   # the profile file that covers the xgate run is written at the end of its 15-s period
  echo "profiles: $(ls "$wd"/profile-*.collapsed | tr '\n' ' ')"
fi
