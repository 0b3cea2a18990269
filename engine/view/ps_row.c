/* ps's row of one container: docker's formatter fields (ID, Image, Command, CreatedAt,
 * RunningFor, Ports, State, Status, Size, Names, Labels, Mounts, LocalVolumes, Networks) from its
 * record alone; the STATUS and COMMAND texts that system df -v shows too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/timefmt.h"
#include "engine/container/container.h"
#include "engine/view/view.h"
#include "util/cleanup.h"
#include "util/human.h"
#include "util/strv.h"
#include "util/xalloc.h"

static int64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char *ago(const char *t)
{
  int64_t then = time_parse_rfc3339(t);
  if (then <= 0)
    return xstrdup("");
  autofree char *d = human_duration((now_ns() - then) / 1000000000LL);
  return xasprintf("%s ago", d);
}

static char *status_text(const struct ctr_record *rec)
{
  const char *st = rec->state.status;
  if (st == NULL)
    return xstrdup("");
  if (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0) {
    int64_t then = time_parse_rfc3339(rec->state.started_at);
    autofree char *d = human_duration((now_ns() - then) / 1000000000LL);
    if (strcmp(st, "paused") == 0)
      return xasprintf("Up %s (Paused)", d);
    /* docker's Health.String(): "health: starting", else the status */
    const char *h = rec->state.health;
    if (h && *h)
      return xasprintf("Up %s (%s%s)", d, strcmp(h, "starting") == 0 ? "health: " : "", h);
    return xasprintf("Up %s", d);
  }
  if (strcmp(st, "exited") == 0 || strcmp(st, "restarting") == 0) {
    autofree char *a = ago(rec->state.finished_at);
    return xasprintf("%s (%lld) %s", strcmp(st, "exited") == 0 ? "Exited" : "Restarting",
                     (long long)rec->state.exit_code, a);
  }
  if (strcmp(st, "created") == 0)
    return xstrdup("Created");
  return xstrdup(st);
}

/* docker's COMMAND: dockerd joins the path and the arguments, an argument with a space in
 * single quotes; the CLI cuts it to 20 characters (19 and "…") unless --no-trunc, then
 * quotes it as Go's strconv.Quote. */
static char *command_text(const struct ctr_record *rec, bool no_trunc)
{
  autostrv char **v = NULL;
  if (rec->path)
    strv_push(&v, rec->path);
  for (char **a = rec->args; a && *a; a++)
    strv_push_owned(&v, strchr(*a, ' ') ? xasprintf("'%s'", *a) : xstrdup(*a));
  autofree char *cmd = v ? strv_join(v, " ") : xstrdup("");
  size_t chars = 0, cut = 0;
  for (size_t i = 0; cmd[i]; i++)
    if (((unsigned char)cmd[i] & 0xc0) != 0x80 && ++chars == 20)
      cut = i; /* the byte where the 20th character starts */
  bool trunc = !no_trunc && chars > 20;
  if (trunc)
    cmd[cut] = '\0';
  size_t n = strlen(cmd);
  char *out = xmalloc(n * 4 + 8), *p = out;
  *p++ = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)cmd[i];
    if (c == '"' || c == '\\') {
      *p++ = '\\';
      *p++ = (char)c;
    } else if (c == '\n' || c == '\t' || c == '\r') {
      *p++ = '\\';
      *p++ = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
    } else if (c < 0x20 || c == 0x7f) {
      p += sprintf(p, "\\x%02x", c);
    } else {
      *p++ = (char)c;
    }
  }
  if (trunc)
    p += sprintf(p, "…");
  *p++ = '"';
  *p = '\0';
  return out;
}

static char *ports_text(const struct ctr_record *rec)
{
  autostrv char **v = NULL;
  for (size_t i = 0; i < rec->net.n_ports; i++) {
    const struct ctr_port_binding *b = &rec->net.ports[i];
    if (i > 0 && strcmp(rec->net.ports[i - 1].key, b->key) == 0)
      continue; /* the first binding of each port */
    if (b->host_ip || b->host_port)
      strv_push_owned(&v, xasprintf("%s:%s->%s", b->host_ip, b->host_port, b->key));
    else
      strv_push(&v, b->key);
  }
  return v ? strv_join(v, ", ") : xstrdup("");
}

/* ps's NETWORKS of a container run without --network: docker's "bridge"; with --network
 * container:X none (docker lists the container's own networks: X's are not) */
static const char *network_column(const char *mode)
{
  if (mode == NULL || strncmp(mode, "container:", 10) == 0)
    return "";
  return strcmp(mode, "default") == 0 ? "bridge" : mode;
}

/* docker's ContainerContext.Mounts (each mount's volume name, or its source, cut to 15 columns
 * with "…" unless --no-trunc, comma-joined) and LocalVolumes (the mounts of the local driver). */
static void mounts_cells(json_t *mounts, bool no_trunc, json_t *row)
{
  autostrv char **names = NULL;
  int local = 0;
  size_t i;
  json_t *m;
  json_array_foreach (mounts, i, m) {
    const char *name = json_string_value(json_object_get(m, "Name"));
    if (name == NULL || *name == '\0')
      name = json_string_value(json_object_get(m, "Source"));
    const char *drv = json_string_value(json_object_get(m, "Driver"));
    if (drv && strcmp(drv, "local") == 0)
      local++;
    if (name == NULL)
      name = "";
    size_t runes = 0, cut = 0;
    for (size_t k = 0; name[k]; k++)
      if (((unsigned char)name[k] & 0xc0) != 0x80 && ++runes == 15)
        cut = k;
    if (!no_trunc && runes > 15)
      strv_push_owned(&names, xasprintf("%.*s\xe2\x80\xa6", (int)cut, name));
    else
      strv_push(&names, name);
  }
  autofree char *joined = names ? strv_join(names, ",") : xstrdup("");
  json_object_set_new(row, "Mounts", json_string(joined));
  autofree char *lv = xasprintf("%d", local);
  json_object_set_new(row, "LocalVolumes", json_string(lv));
}

/* The ps row of a record as docker's formatter fields. */
json_t *ps_row(const struct eng_ctx *ctx, const struct ctr_record *rec, const struct eng_ps_opts *o)
{
  const char *id = rec->id;
  char sid[13];
  autofree char *cmd = command_text(rec, o->no_trunc);
  autofree char *created = ago(rec->created);
  autofree char *status = status_text(rec);
  autofree char *ports = ports_text(rec);
  const char *name = rec->name;
  const char *image = rec->config.image;
  /* as the user typed it (docker's Config.Image), not completed to name:tag */
  autofree char *img_fam = image && *image ? xstrdup(image) : NULL;
  if (img_fam == NULL || *img_fam == '\0') {
    free(img_fam);
    const char *dirfs = rec->td.rootfs;
    img_fam = xstrdup(rec->td.rootfs_is_dir && dirfs ? dirfs : "");
  }
  autofree char *lab = rec->config.labels && rec->config.labels[0]
                           ? strv_join(rec->config.labels, ",")
                           : xstrdup("");
  /* docker's CLI: time.Unix(Created, 0).String() */
  int64_t cns = rec->created ? time_parse_rfc3339(rec->created) : 0;
  autofree char *created_at =
      rec->created ? time_go_string(cns - cns % 1000000000LL, false) : xstrdup("");
  json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "ID",
                          o->no_trunc ? id : eng_short_id(id, sid), "Image", img_fam, "Command",
                          cmd, "CreatedAt", created_at, "RunningFor", created, "Ports", ports,
                          "State", rec->state.status ? rec->state.status : "", "Status", status,
                          "Names", name ? name + 1 : "", "Labels", lab, "Mounts", "", "Networks",
                          network_column(rec->host.network_mode));
  mounts_cells(json_object_get(rec->doc, "Mounts"), o->no_trunc, row);
  json_object_set_new(row, "Size", json_string("0B"));
  if (o->size) {
    /* docker's ContainerContext.Size: "RW (virtual ROOTFS)", ROOTFS with the image's layers */
    int64_t rw = 0, rootfs = 0;
    eng_ctr_sizes(ctx, rec, &rw, &rootfs);
    autofree char *h = human_size((double)rw, 3);
    autofree char *v = human_size((double)rootfs, 3);
    autofree char *sz = rootfs > 0 ? xasprintf("%s (virtual %s)", h, v) : xstrdup(h);
    json_object_set_new(row, "Size", json_string(sz));
  }
  return row;
}

char *ps_status_text(const struct ctr_record *rec)
{
  return status_text(rec);
}

char *ps_command_text(const struct ctr_record *rec, bool no_trunc)
{
  return command_text(rec, no_trunc);
}
