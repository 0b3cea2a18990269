/* Unit tests of the "linux" section: namespaces, mappings, devices, sysctl, paths, personality,
 * time offsets, propagation, resources and seccomp. */
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include "runtime/spec/test_spec_util.h"

static void test_namespaces(void)
{
  struct spec *s = parse_ok(
      LINUX("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/x\"},"
            "{\"type\":\"mount\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"user\"},"
            "{\"type\":\"cgroup\"},{\"type\":\"time\"}],"
            "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
            "\"gidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":1},"
            "{\"containerID\":1,\"hostID\":300000,\"size\":2}]"));
  TAP_OK(s != NULL, "all eight namespaces parse");
  if (s) {
    int all = 1;
    for (int t = 0; t < NS_TYPE_COUNT; t++)
      all &= s->linux_.ns[t].present;
    TAP_OK(all, "all present");
    TAP_STREQ(s->linux_.ns[NS_NET].path, "/run/netns/x", "network joined by path");
    TAP_OK(s->linux_.ns[NS_PID].path == NULL, "pid created");
    TAP_OK(s->linux_.n_uid_mappings == 1 && s->linux_.uid_mappings[0].host_id == 100000 &&
               s->linux_.uid_mappings[0].size == 65536,
           "uid mappings");
    TAP_OK(s->linux_.n_gid_mappings == 2 && s->linux_.gid_mappings[1].container_id == 1,
           "gid mappings");
  }
  spec_free(s);
  s = parse_ok(LINUX("\"namespaces\":[{\"type\":\"uts\"}]"));
  TAP_OK(s && s->linux_.ns[NS_UTS].present && !s->linux_.ns[NS_PID].present,
         "absent namespaces are not present");
  spec_free(s);

  TAP_OK(rejects(LINUX("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"foo\"}]"),
                 "config.json: linux.namespaces[2].type: unknown namespace type \"foo\""),
         "unknown namespace");
  TAP_OK(rejects(LINUX("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]"),
                 "config.json: linux.namespaces[1].type: duplicate namespace type \"pid\""),
         "duplicate namespace");
  TAP_OK(rejects(LINUX("\"namespaces\":[{\"path\":\"/x\"}]"),
                 "config.json: linux.namespaces[0].type: is required"),
         "namespace type required");
  TAP_OK(rejects(LINUX("\"namespaces\":[{\"type\":\"net\"}]"),
                 "config.json: linux.namespaces[0].type: unknown namespace type \"net\""),
         "net is not a namespace name");
  TAP_OK(rejects(LINUX("\"namespaces\":[{\"type\":\"ipc\",\"path\":\"proc/1/ns/ipc\"}]"),
                 "config.json: linux.namespaces[0].path: \"proc/1/ns/ipc\" is not an absolute "
                 "path"),
         "namespace path absolute");
  TAP_OK(rejects(LINUX("\"namespaces\":{}"),
                 "config.json: linux.namespaces: must be an array, not an object"),
         "namespaces type");
  TAP_OK(rejects(LINUX("\"uidMappings\":[{\"containerID\":0,\"hostID\":-1,\"size\":1}]"),
                 "config.json: linux.uidMappings[0].hostID: -1 is out of range [0, 4294967295]"),
         "mapping range");
  TAP_OK(rejects(LINUX("\"gidMappings\":[5]"),
                 "config.json: linux.gidMappings[0]: must be an object, not an integer"),
         "mapping type");

  TAP_STREQ(spec_ns_name(NS_NET), "network", "ns name");
  TAP_OK(spec_ns_from_name("mount") == NS_MNT && spec_ns_from_name("bogus") == -1 &&
             spec_ns_from_name(NULL) == -1,
         "ns from name");
  TAP_OK(spec_ns_clone_flag(NS_USER) == CLONE_NEWUSER &&
             spec_ns_clone_flag(NS_MNT) == CLONE_NEWNS && spec_ns_clone_flag(NS_TIME) == 0x80,
         "clone flags");
  TAP_OK(spec_ns_name(NS_TYPE_COUNT) == NULL, "out of range name");
}

static void test_devices_misc(void)
{
  struct spec *s = parse_ok(
      LINUX("\"devices\":[{\"type\":\"c\",\"path\":\"/dev/fuse\",\"major\":10,\"minor\":229,"
            "\"fileMode\":438,\"uid\":0,\"gid\":0},{\"type\":\"p\",\"path\":\"/dev/fifo\"}],"
            "\"cgroupsPath\":\"/a/b\",\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
            "\"rootfsPropagation\":\"rslave\",\"maskedPaths\":[\"/proc/kcore\"],"
            "\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\"],\"mountLabel\":\"m\","
            "\"personality\":{\"domain\":\"LINUX32\",\"flags\":[]},"
            "\"timeOffsets\":{\"monotonic\":{\"secs\":-10,\"nanosecs\":5},"
            "\"boottime\":{\"secs\":100}},\"intelRdt\":{\"closID\":\"x\"}"));
  TAP_OK(s != NULL, "linux misc parses");
  if (s) {
    struct spec_linux *l = &s->linux_;
    TAP_OK(l->n_devices == 2 && l->devices[0].type == 'c' && l->devices[0].major == 10 &&
               l->devices[0].minor == 229 && l->devices[0].has_file_mode &&
               l->devices[0].file_mode == 0666 && l->devices[0].has_uid,
           "char device");
    TAP_OK(l->devices[1].type == 'p' && !l->devices[1].has_file_mode && !l->devices[1].has_uid,
           "fifo without numbers");
    TAP_STREQ(l->cgroups_path, "/a/b", "cgroupsPath");
    TAP_OK(l->n_sysctl == 1 && strcmp(l->sysctl[0].key, "net.ipv4.ip_forward") == 0 &&
               strcmp(l->sysctl[0].value, "1") == 0,
           "sysctl");
    TAP_OK(l->rootfs_propagation == (MS_SLAVE | MS_REC), "rootfsPropagation");
    TAP_OK(strv_len(l->masked_paths) == 1 && strv_len(l->readonly_paths) == 2, "paths");
    TAP_STREQ(l->mount_label, "m", "mountLabel");
    TAP_OK(l->has_personality && l->personality == PER_LINUX32, "personality");
    TAP_OK(l->has_time_offsets && l->monotonic_secs == -10 && l->monotonic_nanosecs == 5 &&
               l->boottime_secs == 100,
           "time offsets");
  }
  spec_free(s);

  TAP_OK(rejects(LINUX("\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\"}]"),
                 "config.json: linux.devices[0].type: unknown device type \"x\" (want c, b, u or "
                 "p)"),
         "bad device type");
  TAP_OK(rejects(LINUX("\"devices\":[{\"path\":\"/dev/x\"}]"),
                 "config.json: linux.devices[0].type: is required"),
         "device type required");
  TAP_OK(rejects(LINUX("\"devices\":[{\"type\":\"c\",\"major\":1,\"minor\":3}]"),
                 "config.json: linux.devices[0].path: is required"),
         "device path required");
  TAP_OK(rejects(LINUX("\"devices\":[{\"type\":\"c\",\"path\":\"dev/null\",\"major\":1,"
                       "\"minor\":3}]"),
                 "config.json: linux.devices[0].path: \"dev/null\" is not an absolute path"),
         "device path absolute");
  TAP_OK(rejects(LINUX("\"devices\":[{\"type\":\"b\",\"path\":\"/dev/sda\",\"major\":8}]"),
                 "config.json: linux.devices[0]: major and minor are required for a type b "
                 "device"),
         "device numbers required");
  TAP_OK(rejects(LINUX("\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1,"
                       "\"minor\":-3}]"),
                 "config.json: linux.devices[0].minor: -3 is out of range [0, 4294967295]"),
         "device minor range");
  TAP_OK(rejects(LINUX("\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1,"
                       "\"minor\":3,\"fileMode\":65536}]"),
                 "config.json: linux.devices[0].fileMode: 65536 is not a valid file mode"),
         "device fileMode");
  s = parse_ok(LINUX("\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1,"
                     "\"minor\":3,\"fileMode\":8630}]"));
  TAP_OK(s && s->linux_.devices[0].file_mode == 0666, "S_IFCHR|0666 keeps 0666");
  spec_free(s);
  TAP_OK(rejects(LINUX("\"sysctl\":{\"kernel.x\":1}"),
                 "config.json: linux.sysctl.kernel.x: must be a string, not an integer"),
         "sysctl value");
  TAP_OK(rejects(LINUX("\"rootfsPropagation\":\"rsomething\""),
                 "config.json: linux.rootfsPropagation: unknown propagation \"rsomething\""),
         "rootfsPropagation");
  TAP_OK(rejects(LINUX("\"maskedPaths\":[\"/a\",{}]"),
                 "config.json: linux.maskedPaths[1]: must be a string, not an object"),
         "maskedPaths element");
  TAP_OK(rejects(LINUX("\"readonlyPaths\":\"/a\""),
                 "config.json: linux.readonlyPaths: must be an array, not a string"),
         "readonlyPaths type");
  TAP_OK(rejects(LINUX("\"personality\":{\"domain\":\"LINUX64\"}"),
                 "config.json: linux.personality.domain: unknown personality domain \"LINUX64\""),
         "personality domain");
  TAP_OK(rejects(LINUX("\"personality\":{}"), "config.json: linux.personality.domain: is required"),
         "personality domain required");
  TAP_OK(rejects(LINUX("\"timeOffsets\":{\"realtime\":{\"secs\":1}}"),
                 "config.json: linux.timeOffsets.realtime: unknown clock (want monotonic or "
                 "boottime)"),
         "time offset clock");
  TAP_OK(rejects(LINUX("\"timeOffsets\":{\"boottime\":{\"nanosecs\":1000000000}}"),
                 "config.json: linux.timeOffsets.boottime.nanosecs: must be less than 1000000000"),
         "time offset nanosecs");
  TAP_OK(rejects(LINUX("\"cgroupsPath\":7"),
                 "config.json: linux.cgroupsPath: must be a string, not an integer"),
         "cgroupsPath type");
}

static void test_resources(void)
{
  struct spec *s = parse_ok(LINUX(
      "\"resources\":{\"memory\":{\"limit\":104857600,\"reservation\":1000,\"swap\":-1,"
      "\"kernel\":1,\"kernelTCP\":2,\"swappiness\":60,\"disableOOMKiller\":true,"
      "\"useHierarchy\":false,\"checkBeforeUpdate\":true},"
      "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"burst\":10,"
      "\"realtimeRuntime\":950000,\"realtimePeriod\":1000000,\"cpus\":\"0-1\",\"mems\":\"0\","
      "\"idle\":1},\"pids\":{\"limit\":100},"
      "\"blockIO\":{\"weight\":500,\"leafWeight\":300,"
      "\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":600}],"
      "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
      "\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":2}],"
      "\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":3}],"
      "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":4}]},"
      "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":209715200}],"
      "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
      "\"major\":1,\"minor\":3,\"access\":\"rw\"},{\"allow\":true,\"type\":\"b\",\"major\":8}],"
      "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},"
      "\"unified\":{\"memory.high\":\"50M\"},\"rdma\":{}}"));
  TAP_OK(s && s->linux_.resources, "resources parse");
  if (!s || !s->linux_.resources)
    return;
  struct spec_resources *r = s->linux_.resources;
  TAP_OK(r->memory.has_limit && r->memory.limit == 104857600 && r->memory.has_swap &&
             r->memory.swap == -1 && r->memory.has_swappiness && r->memory.swappiness == 60 &&
             r->memory.disable_oom_killer && r->memory.has_use_hierarchy &&
             !r->memory.use_hierarchy && r->memory.has_kernel_tcp && r->memory.check_before_update,
         "memory");
  TAP_OK(r->cpu.has_shares && r->cpu.shares == 512 && r->cpu.quota == 50000 &&
             r->cpu.period == 100000 && r->cpu.has_burst && r->cpu.realtime_runtime == 950000 &&
             r->cpu.realtime_period == 1000000 && r->cpu.has_idle && r->cpu.idle == 1,
         "cpu");
  TAP_STREQ(r->cpu.cpus, "0-1", "cpu.cpus");
  TAP_STREQ(r->cpu.mems, "0", "cpu.mems");
  TAP_OK(r->pids.has_limit && r->pids.limit == 100, "pids");
  TAP_OK(r->blkio.has_weight && r->blkio.weight == 500 && r->blkio.leaf_weight == 300 &&
             r->blkio.n_weight_device == 1 && r->blkio.weight_device[0].weight == 600 &&
             !r->blkio.weight_device[0].has_leaf_weight,
         "blkio weights");
  TAP_OK(r->blkio.n_throttle_read_bps == 1 && r->blkio.throttle_read_bps[0].rate == 1048576 &&
             r->blkio.throttle_write_iops[0].minor == 16 && r->blkio.n_throttle_read_iops == 1,
         "blkio throttles");
  TAP_OK(r->n_hugepage_limits == 1 && strcmp(r->hugepage_limits[0].page_size, "2MB") == 0,
         "hugepages");
  TAP_OK(r->n_devices == 3 && !r->devices[0].allow && r->devices[0].type == 'a' &&
             r->devices[0].major == -1 && strcmp(r->devices[0].access, "rwm") == 0,
         "deny all rule");
  TAP_OK(r->devices[1].type == 'c' && r->devices[1].major == 1 && r->devices[1].minor == 3 &&
             strcmp(r->devices[1].access, "rw") == 0,
         "allow c 1:3 rw");
  TAP_OK(r->devices[2].minor == -1 && strcmp(r->devices[2].access, "rwm") == 0,
         "wildcard minor, default access");
  TAP_OK(r->network.has_class_id && r->network.class_id == 1048577 &&
             r->network.n_priorities == 1 && r->network.priorities[0].priority == 5,
         "network");
  TAP_OK(r->n_unified == 1 && strcmp(r->unified[0].value, "50M") == 0, "unified");
  spec_free(s);

#define RES(x) LINUX("\"resources\":{" x "}")
  TAP_OK(rejects(RES("\"memory\":{\"limit\":\"1g\"}"),
                 "config.json: linux.resources.memory.limit: must be an integer, not a string"),
         "memory.limit type");
  TAP_OK(rejects(RES("\"memory\":{\"swap\":-2}"),
                 "config.json: linux.resources.memory.swap: -2 is out of range [-1, "
                 "9223372036854775807]"),
         "memory.swap range");
  TAP_OK(rejects(RES("\"memory\":{\"swappiness\":101}"),
                 "config.json: linux.resources.memory.swappiness: 101 is out of range [0, 100]"),
         "swappiness range");
  TAP_OK(rejects(RES("\"cpu\":{\"shares\":-5}"),
                 "config.json: linux.resources.cpu.shares: -5 is out of range [0, "
                 "9223372036854775807]"),
         "cpu.shares range");
  TAP_OK(rejects(RES("\"cpu\":{\"cpus\":0}"),
                 "config.json: linux.resources.cpu.cpus: must be a string, not an integer"),
         "cpu.cpus type");
  TAP_OK(rejects(RES("\"cpu\":{\"idle\":2}"),
                 "config.json: linux.resources.cpu.idle: 2 is out of range [0, 1]"),
         "cpu.idle range");
  TAP_OK(rejects(RES("\"pids\":{\"limit\":true}"),
                 "config.json: linux.resources.pids.limit: must be an integer, not a boolean"),
         "pids.limit type");
  TAP_OK(rejects(RES("\"blockIO\":{\"weight\":70000}"),
                 "config.json: linux.resources.blockIO.weight: 70000 is out of range [0, 65535]"),
         "blkio weight range");
  TAP_OK(rejects(RES("\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"rate\":1}]}"),
                 "config.json: linux.resources.blockIO.throttleReadBpsDevice[0]: major and minor "
                 "are required"),
         "throttle major/minor");
  TAP_OK(rejects(RES("\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0}]}"),
                 "config.json: linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: is "
                 "required"),
         "throttle rate");
  TAP_OK(rejects(RES("\"hugepageLimits\":[{\"limit\":1}]"),
                 "config.json: linux.resources.hugepageLimits[0].pageSize: is required"),
         "hugepage pageSize");
  TAP_OK(rejects(RES("\"devices\":[{\"access\":\"rwm\"}]"),
                 "config.json: linux.resources.devices[0].allow: is required"),
         "device rule allow required");
  TAP_OK(rejects(RES("\"devices\":[{\"allow\":true,\"type\":\"p\"}]"),
                 "config.json: linux.resources.devices[0].type: unknown device type \"p\" (want "
                 "a, c or b)"),
         "device rule type");
  TAP_OK(rejects(RES("\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]"),
                 "config.json: linux.resources.devices[0].access: \"rwx\" is not a combination "
                 "of r, w and m"),
         "device rule access");
  TAP_OK(rejects(RES("\"network\":{\"priorities\":[{\"priority\":1}]}"),
                 "config.json: linux.resources.network.priorities[0].name: is required"),
         "network priority name");
  TAP_OK(rejects(RES("\"unified\":{\"memory.max\":5}"),
                 "config.json: linux.resources.unified.memory.max: must be a string, not an "
                 "integer"),
         "unified value type");
  TAP_OK(rejects(LINUX("\"resources\":[]"),
                 "config.json: linux.resources: must be an object, not an array"),
         "resources type");

  autojson json_t *j = json_loads("{\"memory\":{\"limit\":1000},\"pids\":{\"limit\":5}}", 0, NULL);
  struct spec_resources *res = NULL;
  struct td_err *err = NULL;
  TAP_OK(spec_resources_from_json(j, &res, &err) == 0 && res->memory.limit == 1000 &&
             res->pids.limit == 5,
         "spec_resources_from_json");
  spec_resources_free(res);
  autojson json_t *bad = json_loads("{\"cpu\":{\"quota\":\"x\"}}", 0, NULL);
  res = NULL;
  TAP_OK(spec_resources_from_json(bad, &res, &err) < 0 && res == NULL, "bad resources rejected");
  TAP_STREQ(err ? err_text(err) : NULL, "resources.cpu.quota: must be an integer, not a string",
            "resources error path");
  err_free(&err);
}

static void test_seccomp(void)
{
  struct spec *s = parse_ok(
      LINUX("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
            "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
            "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
            "\"listenerPath\":\"/run/l.sock\",\"listenerMetadata\":\"meta\","
            "\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
            "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
            "\"value\":8,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":255,\"valueTwo\":3,"
            "\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
            "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
            "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_NOTIFY\"},"
            "{\"names\":[\"x\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"},"
            "{\"names\":[\"y\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":5}]}"));
  TAP_OK(s && s->linux_.seccomp, "seccomp parses");
  if (!s || !s->linux_.seccomp)
    return;
  struct spec_seccomp *sc = s->linux_.seccomp;
  TAP_OK(sc->default_action == SPEC_SCMP_ERRNO && sc->has_default_errno_ret &&
             sc->default_errno_ret == 1,
         "default action with errno");
  TAP_OK(strv_len(sc->architectures) == 3 && strcmp(sc->architectures[0], "SCMP_ARCH_X86_64") == 0,
         "architectures stay strings");
  TAP_OK(sc->flags == (SPEC_SECCOMP_FLAG_LOG | SPEC_SECCOMP_FLAG_SPEC_ALLOW), "flags");
  TAP_STREQ(sc->listener_path, "/run/l.sock", "listenerPath");
  TAP_STREQ(sc->listener_metadata, "meta", "listenerMetadata");
  TAP_OK(sc->n_syscalls == 6 && strv_len(sc->syscalls[0].names) == 2 &&
             sc->syscalls[0].action == SPEC_SCMP_ALLOW && !sc->syscalls[0].has_errno_ret,
         "syscall names and action");
  TAP_OK(sc->syscalls[1].n_args == 2 && sc->syscalls[1].args[0].op == SPEC_SCMP_CMP_EQ &&
             sc->syscalls[1].args[0].value == 8 && sc->syscalls[1].args[1].index == 1 &&
             sc->syscalls[1].args[1].value_two == 3 &&
             sc->syscalls[1].args[1].op == SPEC_SCMP_CMP_MASKED_EQ,
         "argument conditions");
  TAP_OK(sc->syscalls[2].has_errno_ret && sc->syscalls[2].errno_ret == 38, "errnoRet");
  TAP_OK(sc->syscalls[3].action == SPEC_SCMP_NOTIFY &&
             sc->syscalls[4].action == SPEC_SCMP_KILL_PROCESS &&
             sc->syscalls[5].action == SPEC_SCMP_TRACE && sc->syscalls[5].errno_ret == 5,
         "notify, kill process, trace");
  spec_free(s);
  TAP_STREQ(spec_seccomp_action_name(SPEC_SCMP_LOG), "SCMP_ACT_LOG", "action name");
  TAP_STREQ(spec_seccomp_op_name(SPEC_SCMP_CMP_GE), "SCMP_CMP_GE", "op name");

#define SC(x) LINUX("\"seccomp\":{" x "}")
  TAP_OK(rejects(SC("\"syscalls\":[]"), "config.json: linux.seccomp.defaultAction: is required"),
         "defaultAction required");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_FOO\""),
                 "config.json: linux.seccomp.defaultAction: unknown seccomp action "
                 "\"SCMP_ACT_FOO\""),
         "bad default action");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1"),
                 "config.json: linux.seccomp.defaultErrnoRet: is only valid with SCMP_ACT_ERRNO "
                 "or SCMP_ACT_TRACE"),
         "defaultErrnoRet with allow");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]"),
                 "config.json: linux.seccomp.architectures[0]: unknown seccomp architecture "
                 "\"SCMP_ARCH_VAX\""),
         "bad arch");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]"),
                 "config.json: linux.seccomp.flags[0]: unknown seccomp flag "
                 "\"SECCOMP_FILTER_FLAG_X\""),
         "bad flag");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":"
                    "\"SCMP_ACT_ERRNO\"}]"),
                 "config.json: linux.seccomp.syscalls[0].names: is required and must not be "
                 "empty"),
         "names required");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
                    "\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"b\"],\"action\":\"KILL\"}]"),
                 "config.json: linux.seccomp.syscalls[1].action: unknown seccomp action \"KILL\""),
         "bad syscall action");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
                    "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,"
                    "\"op\":\"SCMP_CMP_XX\"}]}]"),
                 "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "
                 "\"SCMP_CMP_XX\""),
         "bad op");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
                    "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,"
                    "\"op\":\"SCMP_CMP_EQ\"}]}]"),
                 "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range [0, "
                 "5]"),
         "arg index range");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
                    "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
                    "\"op\":\"SCMP_CMP_EQ\"}]}]"),
                 "config.json: linux.seccomp.syscalls[0].args[0].value: is required"),
         "arg value required");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
                    "\"action\":\"SCMP_ACT_NOTIFY\"}]"),
                 "config.json: linux.seccomp.listenerPath: is required when SCMP_ACT_NOTIFY is "
                 "used"),
         "notify needs a listener");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
                    "\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":3}]"),
                 "config.json: linux.seccomp.syscalls[0].errnoRet: is only valid with "
                 "SCMP_ACT_ERRNO or SCMP_ACT_TRACE"),
         "errnoRet with kill");
  TAP_OK(rejects(SC("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":\"a\","
                    "\"action\":\"SCMP_ACT_KILL\"}]"),
                 "config.json: linux.seccomp.syscalls[0].names: must be an array, not a string"),
         "names type");
}

int main(void)
{
  test_namespaces();
  test_devices_misc();
  test_resources();
  test_seccomp();
  return TAP_DONE();
}
