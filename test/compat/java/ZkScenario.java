// Apache's Java client against a target server; prints one line per step for the test to
// compare. Usage: java ZkScenario host:port
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;

public class ZkScenario {
  static final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();

  static void out(String line) {
    System.out.println(line);
    System.out.flush();
  }

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String s(byte[] b) {
    return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
  }

  static final Watcher recorder = e -> {
    if (e.getType() != Watcher.Event.EventType.None) events.add(e.getType() + " " + e.getPath());
  };

  static void expectEvent() throws InterruptedException {
    String e = events.poll(10, TimeUnit.SECONDS);
    out("event " + (e == null ? "TIMEOUT" : e));
  }

  static void expectNoEvent() throws InterruptedException {
    String e = events.poll(300, TimeUnit.MILLISECONDS);
    out("no-event " + (e == null ? "ok" : e));
  }

  static ZooKeeper connect(String hosts) throws Exception {
    CountDownLatch up = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(hosts, 15000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) up.countDown();
    });
    if (!up.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("not connected");
    return zk;
  }

  interface Step {
    String run() throws Exception;
  }

  static void step(String name, Step f) {
    try {
      out(name + " " + f.run());
    } catch (KeeperException e) {
      out(name + " " + e.code());
    } catch (Exception e) {
      out(name + " EXCEPTION " + e);
      e.printStackTrace();
    }
  }

  public static void main(String[] args) throws Exception {
    ZooKeeper zk = connect(args[0]);
    out("connected timeout=" + zk.getSessionTimeout());

    step("create", () -> zk.create("/j", b("a"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    step("create-again", () -> zk.create("/j", b("a"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    step("create-seq", () -> zk.create("/j/s-", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL));
    step("create-eph", () -> zk.create("/j/e", b("x"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL));
    step("create-container", () -> zk.create("/cont", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER));
    step("create-ttl", () -> {
      Stat st = new Stat();
      String p = zk.create("/ttl", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_WITH_TTL, st, 60000);
      return p + " version=" + st.getVersion();
    });
    step("get", () -> {
      Stat st = new Stat();
      byte[] d = zk.getData("/j", false, st);
      return s(d) + " version=" + st.getVersion() + " numChildren=" + st.getNumChildren()
          + " dataLength=" + st.getDataLength() + " cversion=" + st.getCversion();
    });
    step("set", () -> "version=" + zk.setData("/j", b("bb"), 0).getVersion());
    step("set-badversion", () -> "version=" + zk.setData("/j", b("cc"), 0).getVersion());
    step("exists-missing", () -> String.valueOf(zk.exists("/missing", false)));
    step("ls", () -> {
      List<String> kids = new ArrayList<>(zk.getChildren("/j", false));
      Collections.sort(kids);
      return String.join(",", kids);
    });
    step("all-children", () -> String.valueOf(zk.getAllChildrenNumber("/j")));
    step("ephemerals", () -> String.join(",", zk.getEphemerals("/j")));
    step("delete-notempty", () -> {
      zk.delete("/j", -1);
      return "ok";
    });

    // One-shot data and child watches.
    step("watch-data", () -> s(zk.getData("/j", recorder, null)));
    step("watch-children", () -> String.valueOf(zk.getChildren("/j", recorder).size()));
    step("set-fires", () -> "version=" + zk.setData("/j", b("dd"), -1).getVersion());
    expectEvent();
    step("create-fires", () -> zk.create("/j/k", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    expectEvent();
    step("set-again", () -> "version=" + zk.setData("/j", b("ee"), -1).getVersion());
    expectNoEvent();
    step("exists-watch", () -> String.valueOf(zk.exists("/j/later", recorder)));
    step("create-later", () -> zk.create("/j/later", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    expectEvent();

    // Persistent recursive watch: creations and data changes anywhere below, no child events.
    step("addWatch-recursive", () -> {
      zk.create("/r", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      zk.addWatch("/r", recorder, AddWatchMode.PERSISTENT_RECURSIVE);
      return "ok";
    });
    step("r-create-a", () -> zk.create("/r/a", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    expectEvent();
    step("r-create-ab", () -> zk.create("/r/a/b", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    expectEvent();
    step("r-set-ab", () -> "version=" + zk.setData("/r/a/b", b("1"), -1).getVersion());
    expectEvent();
    step("r-set-ab-again", () -> "version=" + zk.setData("/r/a/b", b("2"), -1).getVersion());
    expectEvent();
    step("r-delete-ab", () -> {
      zk.delete("/r/a/b", -1);
      return "ok";
    });
    expectEvent();
    step("addWatch-persistent", () -> {
      zk.addWatch("/j", recorder, AddWatchMode.PERSISTENT);
      return "ok";
    });
    step("p-create-child", () -> zk.create("/j/p", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    expectEvent();
    step("p-set", () -> "version=" + zk.setData("/j", b("ff"), -1).getVersion());
    expectEvent();
    step("removeWatches", () -> {
      zk.removeWatches("/j", recorder, Watcher.WatcherType.Any, false);
      return "ok";
    });
    expectEvent();
    step("p-set-after-remove", () -> "version=" + zk.setData("/j", b("gg"), -1).getVersion());
    expectNoEvent();

    // multi: a good one, then one whose check fails (nothing applied).
    step("multi-ok", () -> {
      List<OpResult> rs = zk.multi(List.of(
          Op.create("/m", b("m"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
          Op.create("/m/1", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
          Op.setData("/m", b("n"), 0),
          Op.check("/m", 1)));
      StringBuilder sb = new StringBuilder();
      for (OpResult r : rs) sb.append(r.getType()).append(';');
      return sb.toString();
    });
    step("multi-fail", () -> {
      try {
        zk.multi(List.of(
            Op.create("/m/2", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
            Op.delete("/m/1", 5),
            Op.setData("/m", b("z"), -1)));
        return "unexpected-success";
      } catch (KeeperException e) {
        StringBuilder sb = new StringBuilder(e.code() + " results=");
        for (OpResult r : e.getResults()) sb.append(((OpResult.ErrorResult) r).getErr()).append(';');
        return sb.toString();
      }
    });
    step("multi-nothing-applied", () -> zk.exists("/m/2", false) + " " + s(zk.getData("/m", false, null)));

    // ACLs: digest auth, creator-only node, another session without auth, setACL.
    zk.addAuthInfo("digest", b("bob:pw"));
    step("acl-create", () -> zk.create("/secret", b("s3"), ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));
    step("acl-get", () -> {
      List<ACL> acl = zk.getACL("/secret", new Stat());
      return acl.get(0).getId().getScheme() + " " + acl.get(0).getId().getId() + " perms=" + acl.get(0).getPerms();
    });
    ZooKeeper other = connect(args[0]);
    step("noauth-get", () -> s(other.getData("/secret", false, null)));
    step("noauth-set", () -> "version=" + other.setData("/secret", b("x"), -1).getVersion());
    step("noauth-exists", () -> "version=" + other.exists("/secret", false).getVersion());
    step("setacl", () -> "aversion=" + zk.setACL("/secret", java.util.Arrays.asList(
        new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE),
        new ACL(ZooDefs.Perms.ALL, new Id("digest", "bob:" + digest("bob:pw")))), 0).getAversion());
    step("setacl-badversion", () -> "aversion=" + zk.setACL("/secret", ZooDefs.Ids.OPEN_ACL_UNSAFE, 0).getAversion());
    step("other-get-after-setacl", () -> s(other.getData("/secret", false, null)));
    step("other-create-child-noauth", () -> other.create("/secret/c", b(""), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    step("bad-auth-scheme", () -> {
      try {
        zk.create("/bad", b(""), java.util.Arrays.asList(new ACL(ZooDefs.Perms.ALL, new Id("nosuch", "x"))), CreateMode.PERSISTENT);
        return "created";
      } catch (KeeperException e) {
        return e.code().toString();
      }
    });
    step("invalid-acl", () -> zk.create("/bad2", b(""), ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT) + " (auth present)");
    step("invalid-acl-other", () -> other.create("/bad3", b(""), ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));

    // Ephemeral of a closed session disappears for the other session.
    step("eph-watch", () -> String.valueOf(other.exists("/j/e", recorder) != null));
    zk.close();
    expectEvent();
    step("eph-gone", () -> String.valueOf(other.exists("/j/e", false)));
    step("delete", () -> {
      other.delete("/j/k", -1);
      return String.valueOf(other.exists("/j/k", false));
    });
    step("whoami", () -> {
      List<String> ids = new ArrayList<>();
      for (var c : other.whoAmI()) ids.add(c.getAuthScheme() + ":" + c.getUser());
      return String.join(",", ids);
    });
    other.close();
    out("done");
  }

  static String digest(String userPw) throws Exception {
    byte[] h = java.security.MessageDigest.getInstance("SHA1").digest(b(userPw));
    return java.util.Base64.getEncoder().encodeToString(h);
  }
}
