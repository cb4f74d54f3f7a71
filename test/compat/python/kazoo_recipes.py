"""kazoo recipes against a target server; prints one JSON object for the test to assert.

Usage: /usr/bin/python3 kazoo_recipes.py host:port
"""
import json
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.recipe.barrier import Barrier
from kazoo.recipe.counter import Counter
from kazoo.recipe.election import Election
from kazoo.recipe.lock import Lock
from kazoo.recipe.party import Party
from kazoo.recipe.queue import LockingQueue, Queue

HOSTS = sys.argv[1]
out = {}


def client():
    c = KazooClient(hosts=HOSTS, timeout=10.0)
    c.start(timeout=15)
    return c


def wait_until(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return False


a = client()
b = client()

# Lock: two contenders; the second gets it only after the first releases.
order = []
lock_a = Lock(a, "/recipes/lock", "a")
lock_b = Lock(b, "/recipes/lock", "b")
lock_a.acquire(timeout=10)
order.append("a-acquired")
got_b = threading.Event()


def contend():
    lock_b.acquire(timeout=10)
    order.append("b-acquired")
    got_b.set()


t = threading.Thread(target=contend)
t.start()
wait_until(lambda: len(lock_a.contenders()) == 2)
out["lock_contenders"] = lock_a.contenders()
out["lock_b_blocked"] = not got_b.is_set()
order.append("a-released")
lock_a.release()
got_b.wait(10)
t.join(10)
lock_b.release()
out["lock_order"] = order
out["lock_children_after"] = a.get_children("/recipes/lock")

# Election: the first candidate leads; when it quits, the second leads.
leaders = []
first_leading = threading.Event()
first_quit = threading.Event()
second_led = threading.Event()


def lead_a():
    leaders.append("a")
    first_leading.set()
    first_quit.wait(10)


def lead_b():
    leaders.append("b")
    second_led.set()


ea = Election(a, "/recipes/election", "a")
eb = Election(b, "/recipes/election", "b")
ta = threading.Thread(target=lambda: ea.run(lead_a))
ta.start()
first_leading.wait(10)
tb = threading.Thread(target=lambda: eb.run(lead_b))
tb.start()
wait_until(lambda: len(ea.contenders()) == 2)
out["election_contenders"] = ea.contenders()
first_quit.set()
second_led.wait(10)
ta.join(10)
tb.join(10)
out["election_leaders"] = leaders

# Barrier: waiters are held until the barrier node is removed.
barrier = Barrier(a, "/recipes/barrier")
barrier.create()
passed = []
tw = threading.Thread(target=lambda: passed.append(Barrier(b, "/recipes/barrier").wait(10)))
tw.start()
time.sleep(0.3)
out["barrier_held"] = len(passed) == 0
barrier.remove()
tw.join(10)
out["barrier_passed"] = passed

# Counter: increments from two clients, then a float counter.
ca = Counter(a, "/recipes/counter")
cb = Counter(b, "/recipes/counter")
ca += 5
cb += 3
ca -= 1
out["counter"] = ca.value
cf = Counter(a, "/recipes/fcounter", default=0.0)
cf += 2.5
out["float_counter"] = cf.value

# Queue with priorities, and a LockingQueue consumed from another client.
q = Queue(a, "/recipes/queue")
q.put(b"low", priority=200)
q.put(b"high", priority=10)
q.put(b"mid")
out["queue_len"] = len(q)
out["queue"] = [Queue(b, "/recipes/queue").get().decode() for _ in range(3)]
out["queue_empty"] = q.get()
lq = LockingQueue(a, "/recipes/lqueue")
lq.put_all([b"x", b"y"])
lq_b = LockingQueue(b, "/recipes/lqueue")
first = lq_b.get(5)
out["lqueue_first"] = first.decode()
out["lqueue_consume"] = lq_b.consume()
out["lqueue_len"] = len(lq)
out["lqueue_second"] = lq_b.get(5).decode()
lq_b.consume()
out["lqueue_len_after"] = len(lq)

# Party: members join and leave.
pa = Party(a, "/recipes/party", "alice")
pb = Party(b, "/recipes/party", "bob")
pa.join()
pb.join()
out["party"] = sorted(pa)
pb.leave()
out["party_after_leave"] = sorted(pa)
out["party_len"] = len(pa)

# DataWatch and ChildrenWatch: every change arrives, in order.
data_seen = []
kids_seen = []
a.ensure_path("/recipes/watched")


@a.DataWatch("/recipes/watched/node")
def on_data(data, stat):
    data_seen.append(None if data is None else [data.decode(), stat.version])


@a.ChildrenWatch("/recipes/watched")
def on_children(children):
    kids_seen.append(sorted(children))


b.create("/recipes/watched/node", b"v0")
wait_until(lambda: len(data_seen) >= 2 and len(kids_seen) >= 2)
b.set("/recipes/watched/node", b"v1")
wait_until(lambda: len(data_seen) >= 3)
b.create("/recipes/watched/other", b"")
wait_until(lambda: len(kids_seen) >= 3)
b.delete("/recipes/watched/node")
wait_until(lambda: len(data_seen) >= 4 and len(kids_seen) >= 4)
out["data_watch"] = data_seen
out["children_watch"] = kids_seen

# Ephemerals and the session: another client sees a closed client's ephemeral vanish.
b.create("/recipes/eph", b"", ephemeral=True)
gone = threading.Event()


@a.DataWatch("/recipes/eph")
def on_eph(data, stat):
    if data is None and stat is None:
        gone.set()


b.stop()
b.close()
out["ephemeral_removed_on_close"] = gone.wait(10)
out["tree"] = sorted(a.get_children("/recipes"))
a.stop()
a.close()
print(json.dumps(out, sort_keys=True))
