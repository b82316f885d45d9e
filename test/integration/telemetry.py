#!/usr/bin/env python3
# Reads the counters of a running nfg through DPDK telemetry (its socket
# /var/run/dpdk/PREFIX/dpdk_telemetry.v2), for tests that must look at a run
# before it ends. Waits here are for the run to reach a state, never
# assertions about how long it took.
#
#   telemetry.py quiet SOCK                  until the ports stop receiving
#   telemetry.py snapshot SOCK OUT NODE...   quiet, then ports, NODEs and drops into OUT
#   telemetry.py wait SOCK NODE COUNTER N    until NODE's COUNTER is at least N
import json
import socket
import sys
import time

PATIENCE_S = 60


class Telemetry:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)
        self.s.recv(65536)  # the greeting

    def ask(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(1 << 20).decode())[cmd.split(",")[0]]

    def rx(self):
        return {p: v["rx"] for p, v in self.ask("/nfg/ports").items()}


def quiet(t):
    """Until two readings of the ports' rx, half a second apart, agree."""
    before = None
    deadline = time.time() + PATIENCE_S
    while time.time() < deadline:
        now = t.rx()
        if now == before:
            return now
        before = now
        time.sleep(0.5)
    sys.exit(f"the ports kept receiving for {PATIENCE_S} s")


def main():
    cmd, t = sys.argv[1], Telemetry(sys.argv[2])
    if cmd == "quiet":
        quiet(t)
    elif cmd == "snapshot":
        out, nodes = sys.argv[3], sys.argv[4:]
        while True:  # again if a frame arrived while the nodes were read
            rx = quiet(t)
            snap = {"ports": t.ask("/nfg/ports"),
                    "nodes": {n: t.ask("/nfg/node," + n) for n in nodes},
                    "drops": t.ask("/nfg/drops")}
            if t.rx() == rx:
                break
        json.dump(snap, open(out, "w"), indent=1)
    elif cmd == "wait":
        node, counter, want = sys.argv[3], sys.argv[4], int(sys.argv[5])
        deadline = time.time() + PATIENCE_S
        while time.time() < deadline:
            got = t.ask("/nfg/node," + node).get(counter, 0)
            if got >= want:
                return
            time.sleep(0.1)
        sys.exit(f"{node} {counter} stayed at {got}, want {want}")
    else:
        sys.exit("unknown command " + cmd)


main()
