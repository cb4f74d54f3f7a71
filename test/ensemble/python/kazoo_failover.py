"""kazoo Lock and Election across the loss of the server a client is connected to.

Usage: /usr/bin/python3 kazoo_failover.py host:port,host:port,...
Prints a JSON line {"phase": "ready", "session": "<hex>"} once client a holds the lock and
leads the election with client b waiting on both; then waits for a line on stdin (the test
has killed a's server), checks a kept its session, lock and leadership, hands both over to b
and prints one JSON line {"phase": "done", ...} with what it saw.
"""
import json
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.protocol.states import KazooState
from kazoo.recipe.election import Election
from kazoo.recipe.lock import Lock

HOSTS = sys.argv[1]


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def wait_until(pred, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def client():
    c = KazooClient(hosts=HOSTS, timeout=15.0)
    c.start(timeout=30)
    return c


a = client()
b = client()
a_states = []
a.add_listener(lambda s: a_states.append(str(s)))
session = a.client_id[0]

lock_a = Lock(a, "/kz/lock", "a")
lock_b = Lock(b, "/kz/lock", "b")
lock_a.acquire(timeout=30)
b_got_lock = threading.Event()


def contend():
    if lock_b.acquire(timeout=120):
        b_got_lock.set()


tl = threading.Thread(target=contend, daemon=True)
tl.start()

leaders = []
a_leading = threading.Event()
a_quit = threading.Event()
b_led = threading.Event()


def lead_a():
    leaders.append("a")
    a_leading.set()
    a_quit.wait(120)


def lead_b():
    leaders.append("b")
    b_led.set()


ea = Election(a, "/kz/election", "a")
eb = Election(b, "/kz/election", "b")
ta = threading.Thread(target=lambda: ea.run(lead_a), daemon=True)
ta.start()
a_leading.wait(30)
tb = threading.Thread(target=lambda: eb.run(lead_b), daemon=True)
tb.start()
wait_until(lambda: len(lock_a.contenders()) == 2 and len(ea.contenders()) == 2, 30)

out = {
    "lock_contenders_before": lock_a.contenders(),
    "election_contenders_before": ea.contenders(),
}
emit({"phase": "ready", "session": "%x" % session})

sys.stdin.readline()  # a's server is gone
out["suspended"] = wait_until(lambda: KazooState.SUSPENDED in a_states, 30)
out["reconnected"] = wait_until(lambda: a.state == KazooState.CONNECTED, 60)
out["same_session"] = a.client_id is not None and a.client_id[0] == session
out["a_states"] = a_states
out["lock_a_is_acquired"] = lock_a.is_acquired
out["lock_contenders_after"] = lock_a.contenders()
out["b_got_lock_while_a_held_it"] = b_got_lock.is_set()
out["election_contenders_after"] = ea.contenders()
out["leaders_after_failover"] = list(leaders)
out["a_write_after"] = a.create("/kz/after-failover", b"a") == "/kz/after-failover"

# Hand over: b takes the lock only once a releases it, and leads only once a quits.
lock_a.release()
out["b_got_lock_after_release"] = b_got_lock.wait(30)
lock_b.release()
a_quit.set()
out["b_led_after_a_quit"] = b_led.wait(30)
out["leaders_final"] = list(leaders)
emit(dict(out, phase="done"))
a.stop()
b.stop()
a.close()
b.close()
