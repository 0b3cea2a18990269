/* Unit tests of spec_validate and the sysctl helpers: each namespace rule, accepted and
 * refused, with runc's messages; sysctl keys and the paths they become. */
#include <fcntl.h>
#include <unistd.h>

#include "runtime/spec/test_spec_util.h"

#define ALLNS                                                                                      \
  "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"ipc\"},{\"type\":\"uts\"}," \
  "{\"type\":\"network\"}]"

/* Whether text parses and spec_validate gives want (NULL: no error). */
static int validates(const char *text, const char *want)
{
  struct spec *s = parse_ok(text);
  if (s == NULL)
    return 0;
  struct td_err *err = NULL;
  int rc = spec_validate(s, &err);
  spec_free(s);
  int ok = want == NULL ? rc == 0 : rc < 0 && strcmp(err_text(err), want) == 0;
  if (!ok)
    printf("#   got:  %s\n#   want: %s\n", rc == 0 ? "(valid)" : err_text(err),
           want ? want : "(valid)");
  err_free(&err);
  return ok;
}

static void test_sysctl_keys(void)
{
  static const struct {
    const char *key, *path;
  } t[] = {
      {"net.ipv4.ip_forward", "sys/net/ipv4/ip_forward"},
      {"kernel.shmmax", "sys/kernel/shmmax"},
      {"net", "sys/net"},
      {"net/../../../sys/vm/swappiness", NULL},
      {"net.ipv4/../../kernel.hostname", NULL},
      {"net..ipv4", NULL},
      {".net", NULL},
      {"net.", NULL},
      {"", NULL},
      {"net.ipv4.conf/all", NULL},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    autofree char *p = spec_sysctl_path(t[i].key);
    int ok = t[i].path ? p && strcmp(p, t[i].path) == 0 : p == NULL;
    TAP_OK(ok, "sysctl path of \"%s\"", t[i].key);
  }
  TAP_OK(spec_sysctl_ns("net.core.somaxconn") == NS_NET, "net.* is the network's");
  TAP_OK(spec_sysctl_ns("kernel.shm_rmid_forced") == NS_IPC, "kernel.shm_rmid_forced is IPC");
  TAP_OK(spec_sysctl_ns("fs.mqueue.queues_max") == NS_IPC, "fs.mqueue.* is IPC");
  TAP_OK(spec_sysctl_ns("kernel.domainname") == NS_UTS, "kernel.domainname is UTS");
  TAP_OK(spec_sysctl_ns("vm.swappiness") < 0, "vm.* is the host's");
  TAP_OK(spec_sysctl_ns("kernel.shm_next_id") < 0, "kernel.shm_next_id is not on the list");
  TAP_OK(spec_sysctl_ns("netfoo") < 0, "net without a dot is not net.*");
}

static void test_rules(void)
{
  TAP_OK(validates(MIN(",\"hostname\":\"h\",\"linux\":{" ALLNS "}"), NULL), "hostname with uts");
  TAP_OK(validates(MIN(",\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}"),
                   "unable to set hostname without a private UTS namespace"),
         "hostname without uts");
  TAP_OK(validates(MIN(",\"domainname\":\"d\""),
                   "unable to set domainname without a private UTS namespace"),
         "domainname without uts");
  TAP_OK(validates(MIN(",\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"uts\","
                       "\"path\":\"/proc/self/ns/uts\"}]}"),
                   "unable to set hostname without a private UTS namespace"),
         "uts joined by a path to our own is not private");
  TAP_OK(validates(MIN(",\"hostname\":\"\""), NULL), "an empty hostname sets nothing");
  TAP_OK(validates(LINUX(ALLNS ",\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.sem\":\"1\","
                               "\"fs.mqueue.msg_max\":\"1\",\"kernel.domainname\":\"x\"}"),
                   NULL),
         "namespaced sysctls with their namespaces");
  TAP_OK(validates(LINUX(ALLNS ",\"sysctl\":{\"vm.swappiness\":\"1\"}"),
                   "sysctl \"vm.swappiness\" is not in a separate kernel namespace"),
         "vm.swappiness refused");
  TAP_OK(validates(LINUX("\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}"),
                   "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace"),
         "net.* without netns");
  TAP_OK(validates(LINUX("\"namespaces\":[{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"}],"
                         "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}"),
                   "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace"),
         "net.* in our own netns by path");
  TAP_OK(validates(LINUX("\"namespaces\":[{\"type\":\"network\",\"path\":\"/nonexistent\"}],"
                         "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}"),
                   "sysctl \"net.ipv4.ip_forward\": invalid network namespace path: stat "
                   "/nonexistent: No such file or directory"),
         "a netns path that is not there");
  TAP_OK(validates(LINUX("\"sysctl\":{\"kernel.msgmax\":\"1\"}"),
                   "sysctl \"kernel.msgmax\" is not allowed in the hosts ipc namespace"),
         "ipc sysctl without ipc ns");
  TAP_OK(validates(LINUX(ALLNS ",\"sysctl\":{\"net.a/../../vm.b\":\"1\"}"),
                   "sysctl \"net.a/../../vm.b\": invalid key (dot-separated names; no '/', no "
                   "empty or '..' component)"),
         "a key that walks");
  TAP_OK(validates(MIN(",\"hostname\":\"h\",\"linux\":{" ALLNS
                       ",\"sysctl\":{\"kernel.hostname\":\"x\"}}"),
                   "sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI "
                   "\"hostname\" field"),
         "kernel.hostname beside hostname");
  TAP_OK(validates(LINUX(ALLNS ",\"timeOffsets\":{\"boottime\":{\"secs\":1}}"),
                   "time namespace offsets specified, but time namespace isn't enabled in the "
                   "config"),
         "time offsets without timens");
  TAP_OK(validates(LINUX("\"namespaces\":[{\"type\":\"time\"}],"
                         "\"timeOffsets\":{\"boottime\":{\"secs\":1}}"),
                   NULL),
         "time offsets with a new timens");
  TAP_OK(validates(LINUX("\"netDevices\":{\"eth1\":{}}"),
                   "unable to move network devices without a private NET namespace"),
         "netDevices without netns");
  TAP_OK(validates(LINUX(ALLNS ",\"netDevices\":{\"eth1\":{\"name\":\"c1\"}}"), NULL),
         "netDevices with netns");
  TAP_OK(validates(LINUX(ALLNS ",\"netDevices\":{\"averyveryverylongname\":{}}"),
                   "linux.netDevices: invalid network device name \"averyveryverylongname\""),
         "interface name too long");
  TAP_OK(validates(LINUX("\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]"),
                   "user namespace mappings specified, but USER namespace isn't enabled in the "
                   "config"),
         "mappings without userns");
  TAP_OK(validates(LINUX("\"namespaces\":[{\"type\":\"user\"}]"),
                   "user namespaces enabled, but no uid mappings found"),
         "userns without mappings");
  TAP_OK(validates(LINUX("\"namespaces\":[{\"type\":\"user\",\"path\":\"/proc/self/ns/user\"}]"),
                   NULL),
         "a joined userns needs no mappings");
  TAP_OK(rejects(PROC(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":5,\"hard\":4}]"),
                 "config.json: process.rlimits[0]: RLIMIT_NOFILE: soft limit 5 is greater than "
                 "the hard limit 4"),
         "rlimit soft above hard");
}

/* the check on the fd really joined: a path swapped to our own namespace after validation */
static void test_fd_check(void)
{
  struct spec *s = parse_ok(LINUX("\"namespaces\":[{\"type\":\"network\",\"path\":\"/x\"}],"
                                  "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}"));
  struct spec *plain = parse_ok(LINUX("\"namespaces\":[{\"type\":\"network\",\"path\":\"/x\"}]"));
  int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  struct td_err *err = NULL;
  TAP_OK(s && fd >= 0 && spec_ns_fd_check(s, NS_NET, fd, &err) < 0 && err &&
             strstr(err_text(err), "network namespace /x is the runtime's own"),
         "a net sysctl in our own netns, found on the fd: refused");
  err_free(&err);
  TAP_OK(plain && spec_ns_fd_check(plain, NS_NET, fd, &err) == 0, "no net setting: no check");
  TAP_OK(s && spec_ns_fd_check(s, NS_UTS, fd, &err) == 0, "other types: no check");
  err_free(&err);
  if (fd >= 0)
    close(fd);
  spec_free(s);
  spec_free(plain);
}

int main(void)
{
  test_fd_check();
  test_sysctl_keys();
  test_rules();
  return TAP_DONE();
}
