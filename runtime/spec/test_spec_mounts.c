/* Unit tests of mount parsing: flags, clear flags, propagation, recursive attributes, data. */
#include <sys/mount.h>

#include "runtime/spec/test_spec_util.h"

#define MOUNT(m) MIN(",\"mounts\":[" m "]")

static struct spec_mount *one(struct spec **s, const char *text)
{
  *s = parse_ok(text);
  return *s && (*s)->n_mounts == 1 ? &(*s)->mounts[0] : NULL;
}

static void test_flags(void)
{
  struct spec *s;
  struct spec_mount *m = one(&s, MOUNT("{\"destination\":\"/dev\",\"type\":\"tmpfs\","
                                       "\"source\":\"tmpfs\",\"options\":[\"nosuid\","
                                       "\"strictatime\",\"mode=755\",\"size=65536k\"]}"));
  TAP_OK(m != NULL, "tmpfs mount parses");
  if (m) {
    TAP_STREQ(m->destination, "/dev", "destination");
    TAP_STREQ(m->type, "tmpfs", "type");
    TAP_STREQ(m->source, "tmpfs", "source");
    TAP_OK(m->flags == (MS_NOSUID | MS_STRICTATIME), "flags nosuid|strictatime");
    TAP_STREQ(m->data, "mode=755,size=65536k", "data keeps fs options in order");
    TAP_OK(!m->is_bind && m->propagation == 0 && !m->attr_recursive, "not bind, no propagation");
    TAP_OK(strv_len(m->options) == 4, "raw options kept");
  }
  spec_free(s);

  m = one(&s, MOUNT("{\"destination\":\"/x\",\"type\":\"proc\",\"options\":[\"ro\",\"rw\","
                    "\"nodev\",\"dev\",\"noexec\",\"suid\",\"atime\",\"sync\",\"async\","
                    "\"remount\",\"nosymfollow\",\"defaults\",\"mand\",\"dirsync\"]}"));
  TAP_OK(m != NULL, "flag mount parses");
  if (m) {
    TAP_OK(m->flags == (MS_NOEXEC | MS_REMOUNT | MS_NOSYMFOLLOW | MS_MANDLOCK | MS_DIRSYNC),
           "later options win: flags %#lx", m->flags);
    TAP_OK(m->clear_flags == (MS_RDONLY | MS_NODEV | MS_NOSUID | MS_NOATIME | MS_SYNCHRONOUS),
           "clear flags %#lx", m->clear_flags);
    TAP_OK(m->data == NULL, "no data");
    TAP_OK(m->source == NULL, "no source");
  }
  spec_free(s);

  m = one(&s, MOUNT("{\"destination\":\"/y\",\"options\":[\"norelatime\",\"relatime\","
                    "\"iversion\",\"lazytime\",\"nolazytime\",\"silent\",\"loud\","
                    "\"nodiratime\",\"diratime\",\"noatime\"]}"));
  TAP_OK(m && m->flags == (MS_RELATIME | MS_I_VERSION | MS_NOATIME) &&
             m->clear_flags == (MS_LAZYTIME | MS_SILENT | MS_NODIRATIME),
         "atime, iversion, lazytime, silent options");
  spec_free(s);
}

static void test_bind_propagation(void)
{
  struct spec *s;
  struct spec_mount *m = one(&s, MOUNT("{\"destination\":\"/data\",\"type\":\"bind\","
                                       "\"source\":\"/srv\",\"options\":[\"rbind\",\"ro\","
                                       "\"rprivate\"]}"));
  TAP_OK(m && m->is_bind && m->flags == (MS_BIND | MS_REC | MS_RDONLY) &&
             m->propagation == (MS_PRIVATE | MS_REC),
         "rbind ro rprivate");
  spec_free(s);
  m = one(&s, MOUNT("{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/s\"}"));
  TAP_OK(m && m->is_bind && m->flags == MS_BIND, "type bind implies MS_BIND");
  spec_free(s);
  m = one(&s, MOUNT("{\"destination\":\"/d\",\"type\":\"none\",\"source\":\"/s\","
                    "\"options\":[\"bind\",\"shared\"]}"));
  TAP_OK(m && m->is_bind && m->flags == MS_BIND && m->propagation == MS_SHARED,
         "bind option with shared");
  spec_free(s);
  const char *props[] = {"private", "slave",      "rslave",     "shared",
                         "rshared", "unbindable", "runbindable"};
  unsigned long want[] = {MS_PRIVATE,         MS_SLAVE,      MS_SLAVE | MS_REC,     MS_SHARED,
                          MS_SHARED | MS_REC, MS_UNBINDABLE, MS_UNBINDABLE | MS_REC};
  for (size_t i = 0; i < 7; i++) {
    char text[256];
    snprintf(text, sizeof(text),
             MOUNT("{\"destination\":\"/d\",\"type\":\"tmpfs\",\"options\":[\"%s\"]}"), props[i]);
    m = one(&s, text);
    TAP_OK(m && m->propagation == want[i] && m->flags == 0, "propagation %s", props[i]);
    spec_free(s);
  }
}

static void test_recursive(void)
{
  struct spec *s;
  struct spec_mount *m = one(&s, MOUNT("{\"destination\":\"/d\",\"type\":\"bind\","
                                       "\"source\":\"/s\",\"options\":[\"rbind\",\"rro\","
                                       "\"rnosuid\",\"rnodev\",\"rnoexec\",\"rnodiratime\","
                                       "\"rnosymfollow\"]}"));
  TAP_OK(m && m->attr_recursive, "recursive options mark attr_recursive");
  TAP_OK(m &&
             m->attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                             MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW) &&
             m->attr_clr == 0,
         "attr_set of the r* options");
  TAP_OK(m && m->flags == (MS_BIND | MS_REC), "recursive options are not MS_ flags");
  spec_free(s);
  m = one(&s, MOUNT("{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/s\","
                    "\"options\":[\"rbind\",\"rro\",\"rrw\",\"rsuid\",\"rdev\",\"rexec\","
                    "\"rdiratime\",\"rsymfollow\"]}"));
  TAP_OK(m && m->attr_set == 0 &&
             m->attr_clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                             MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW),
         "clearing r* options");
  spec_free(s);
  const char *atime[] = {"rnoatime", "rstrictatime", "rrelatime",
                         "ratime",   "rnorelatime",  "rnostrictatime"};
  uint64_t set[] = {MOUNT_ATTR_NOATIME, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR_RELATIME, 0, 0, 0};
  for (size_t i = 0; i < 6; i++) {
    char text[256];
    snprintf(text, sizeof(text),
             MOUNT("{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/s\","
                   "\"options\":[\"rbind\",\"%s\"]}"),
             atime[i]);
    m = one(&s, text);
    TAP_OK(m && m->attr_set == set[i] && m->attr_clr == MOUNT_ATTR__ATIME,
           "%s clears the whole atime field", atime[i]);
    spec_free(s);
  }
}

static void test_idmap(void)
{
  struct spec *s;
  struct spec_mount *m =
      one(&s, MOUNT("{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/s\","
                    "\"options\":[\"bind\",\"idmap\"],"
                    "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10}],"
                    "\"gidMappings\":[{\"containerID\":0,\"hostID\":2000,\"size\":5}]}"));
  TAP_OK(m && m->idmap && !m->idmap_recursive && m->n_uid_mappings == 1 &&
             m->uid_mappings[0].host_id == 1000 && m->gid_mappings[0].size == 5,
         "idmapped bind mount");
  TAP_OK(m && m->data == NULL, "idmap is not fs data");
  spec_free(s);
  m = one(&s, MOUNT("{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/s\","
                    "\"options\":[\"rbind\",\"ridmap\"]}"));
  TAP_OK(m && m->idmap && m->idmap_recursive, "ridmap without mappings (container's)");
  spec_free(s);
  TAP_OK(rejects(MOUNT("{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/s\","
                       "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}"),
                 "config.json: mounts[0].gidMappings: uidMappings and gidMappings must be given "
                 "together"),
         "uid without gid mappings");
  TAP_OK(rejects(MOUNT("{\"destination\":\"/d\",\"type\":\"tmpfs\",\"options\":[\"idmap\"]}"),
                 "config.json: mounts[0]: idmapped mounts are supported for bind mounts only"),
         "idmap on tmpfs");
  TAP_OK(rejects(MOUNT("{\"destination\":\"/d\",\"type\":\"bind\",\"options\":[\"bind\"],"
                       "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}],"
                       "\"gidMappings\":[]}"),
                 "config.json: mounts[0].uidMappings[0].size: must be greater than 0"),
         "zero-size mapping");
}

static void test_bad(void)
{
  struct spec *s;
  struct spec_mount *m = one(&s, MOUNT("{\"destination\":\"rel/dir\",\"type\":\"tmpfs\"}"));
  TAP_OK(m && strcmp(m->destination, "/rel/dir") == 0,
         "relative destination is relative to / (runtime-spec 1.2)");
  spec_free(s);
  s = parse_ok(MIN(",\"mounts\":[]"));
  TAP_OK(s && s->n_mounts == 0, "empty mounts");
  spec_free(s);
  TAP_OK(rejects(MOUNT("{\"type\":\"tmpfs\"}"), "config.json: mounts[0].destination: is required"),
         "destination required");
  TAP_OK(rejects(MOUNT("{\"destination\":\"/a\"},{\"destination\":\"\"}"),
                 "config.json: mounts[1].destination: is required"),
         "empty destination");
  TAP_OK(rejects(MOUNT("{\"destination\":5}"),
                 "config.json: mounts[0].destination: must be a string, not an integer"),
         "destination type");
  TAP_OK(rejects(MOUNT("{\"destination\":\"/a\",\"options\":\"ro\"}"),
                 "config.json: mounts[0].options: must be an array, not a string"),
         "options type");
  TAP_OK(rejects(MOUNT("{\"destination\":\"/a\",\"options\":[\"ro\",null]}"),
                 "config.json: mounts[0].options[1]: must be a string, not null"),
         "option element type");
  TAP_OK(rejects(MOUNT("{\"destination\":\"/a\",\"options\":[\"\"]}"),
                 "config.json: mounts[0].options[0]: empty mount option"),
         "empty option");
  TAP_OK(rejects(MOUNT("{\"destination\":\"/a\",\"source\":[]}"),
                 "config.json: mounts[0].source: must be a string, not an array"),
         "source type");
  TAP_OK(rejects(MOUNT("\"/a\""), "config.json: mounts[0]: must be an object, not a string"),
         "mount type");
}

int main(void)
{
  test_flags();
  test_bind_propagation();
  test_recursive();
  test_idmap();
  test_bad();
  return TAP_DONE();
}
