/* ps and inspect: read records only (no forks, no runtime calls), so `ps` stays fast with
 * hundreds of containers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <regex.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/timefmt.h"
#include "util/gotmpl.h"
#include "engine/container/container.h"
#include "engine/view/view.h"
#include "image/image.h"
#include "util/cleanup.h"
#include "util/human.h"
#include "util/fileio.h"
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

int64_t eng_dir_size(int dfd)
{
  int64_t total = 0;
  DIR *d = fdopendir(dfd);
  if (d == NULL) {
    close(dfd);
    return 0;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    struct stat st;
    if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0)
        total += eng_dir_size(sub);
    } else {
      total += st.st_size;
    }
  }
  closedir(d);
  return total;
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
static json_t *ps_row(const struct eng_ctx *ctx, const struct ctr_record *rec,
                      const struct eng_ps_opts *o)
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

/* docker's name filter: a (Go) regular expression, matched anywhere in the name, with or
 * without its leading "/"; one that does not compile matches nothing. POSIX ERE here. */
static bool name_matches(const char *name, const char *re)
{
  regex_t rx;
  if (name == NULL || regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
    return false;
  bool m = regexec(&rx, name, 0, NULL, 0) == 0 ||
           (name[0] == '/' && regexec(&rx, name + 1, 0, NULL, 0) == 0);
  regfree(&rx);
  return m;
}

static bool match_filter(const struct ctr_record *rec, const char *f)
{
  const char *eq = strchr(f, '=');
  if (eq == NULL)
    return true;
  size_t kl = (size_t)(eq - f);
  const char *v = eq + 1;
  if (strncmp(f, "status", kl) == 0 && kl == 6)
    return rec->state.status && strcmp(rec->state.status, v) == 0;
  if (strncmp(f, "name", kl) == 0 && kl == 4)
    return name_matches(rec->name, v);
  if (strncmp(f, "id", kl) == 0 && kl == 2)
    return rec->id && strncmp(rec->id, v, strlen(v)) == 0;
  if (strncmp(f, "health", kl) == 0 && kl == 6) /* "none": no health check (or not started) */
    return strcmp(rec->state.health ? rec->state.health : "none", v) == 0;
  if (strncmp(f, "exited", kl) == 0 && kl == 6)
    return rec->state.status && strcmp(rec->state.status, "exited") == 0 &&
           rec->state.exit_code == strtol(v, NULL, 10);
  if (strncmp(f, "label", kl) == 0 && kl == 5) {
    const char *leq = strchr(v, '=');
    autofree char *key = xstrndup(v, leq ? (size_t)(leq - v) : strlen(v));
    const char *lv = record_label(rec, key);
    return lv && (leq == NULL || strcmp(lv, leq + 1) == 0);
  }
  if (strncmp(f, "ancestor", kl) == 0 && kl == 8) {
    const char *img = rec->config.image;
    const char *iid = rec->image;
    autofree char *fam = img && *img ? image_name_familiar(img) : NULL;
    autofree char *want = strchr(v, ':') || strchr(v, '@') ? xstrdup(v) : xasprintf("%s:latest", v);
    return (img && strcmp(img, v) == 0) || (fam && strcmp(fam, want) == 0) ||
           (fam && strcmp(fam, v) == 0) ||
           (iid && (strncmp(iid, v, strlen(v)) == 0 ||
                    (strlen(iid) > 7 && strncmp(iid + 7, v, strlen(v)) == 0)));
  }
  return true;
}

/* docker's rule: filters with the same key are or-ed (status=exited + status=created shows
 * both), different keys and-ed. skip_ancestor: those are matched by ps_ancestry. */
static bool filters_match(const struct ctr_record *rec, char **filters, bool skip_ancestor)
{
  for (char **f = filters; f && *f; f++) {
    size_t kl = strcspn(*f, "=");
    if (skip_ancestor && strncmp(*f, "ancestor=", 9) == 0)
      continue;
    bool first = true, any = false;
    for (char **g = filters; g < f; g++)
      first = first && !(strncmp(*g, *f, kl + 1) == 0);
    if (!first)
      continue; /* this key was decided at its first filter */
    for (char **g = f; *g && !any; g++)
      if (strncmp(*g, *f, kl + 1) == 0)
        any = match_filter(rec, *g);
    if (!any)
      return false;
  }
  return true;
}

static int cmp_created(const void *a, const void *b)
{
  const char *ca = (*(struct ctr_record *const *)a)->created;
  const char *cb = (*(struct ctr_record *const *)b)->created;
  return strcmp(cb ? cb : "", ca ? ca : "");
}

/* Records of every container, newest first, refreshed. */
static int load_all(const struct eng_ctx *ctx, struct ctr_record ***out, size_t *n,
                    struct td_err **err)
{
  autostrv char **ids = NULL;
  if (store_list(ctx, &ids, err) < 0)
    return -1;
  size_t cnt = strv_len(ids), k = 0;
  struct ctr_record **recs = xcalloc(cnt + 1, sizeof(*recs));
  for (size_t i = 0; i < cnt; i++) {
    autoerr struct td_err *e = NULL;
    struct ctr_record *rec = NULL;
    json_t *doc = NULL;
    autofree char *ps = xasprintf("%s/%s/%s", ctx->ctr_dir, ids[i], STORE_PS_RECORD);
    if (file_read_json(AT_FDCWD, ps, &doc, &e) == 0) {
      rec = record_from_json(doc);
      if (eng_orphan_hook && store_monitor_gone(rec))
        eng_orphan_hook(ctx, ids[i]);
      store_refresh_state(rec);
    } else {
      err_free(&e);
      if (eng_load_refreshed(ctx, ids[i], &rec, &e) < 0)
        continue; /* being created right now */
    }
    recs[k++] = rec;
  }
  qsort(recs, k, sizeof(*recs), cmp_created);
  *out = recs;
  *n = k;
  return 0;
}

static const char *ps_header(const char *field)
{
  static const struct {
    const char *f, *h;
  } map[] = {{"ID", "CONTAINER ID"},    {"Image", "IMAGE"},
             {"Command", "COMMAND"},    {"CreatedAt", "CREATED AT"},
             {"RunningFor", "CREATED"}, {"Ports", "PORTS"},
             {"State", "STATE"},        {"Status", "STATUS"},
             {"Size", "SIZE"},          {"Names", "NAMES"},
             {"Labels", "LABELS"},      {"Mounts", "MOUNTS"},
             {"Networks", "NETWORKS"},  {"LocalVolumes", "LOCAL VOLUMES"}};
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(map[i].f, field) == 0)
      return map[i].h;
  return NULL;
}

/* Print rows of cells separated by '\t' aligned like Go's tabwriter (padding 3). */
void eng_print_table(char **lines)
{
  size_t widths[32] = {0};
  for (char **l = lines; l && *l; l++) {
    autostrv char **cells = strv_split(*l, '\t');
    for (size_t c = 0; cells[c] && c < 32; c++) {
      /* count UTF-8 characters, not bytes */
      size_t w = 0;
      for (const char *p = cells[c]; *p; p++)
        w += ((unsigned char)*p & 0xc0) != 0x80;
      if (cells[c + 1] && w > widths[c])
        widths[c] = w;
    }
  }
  for (char **l = lines; l && *l; l++) {
    autostrv char **cells = strv_split(*l, '\t');
    for (size_t c = 0; cells[c]; c++) {
      fputs(cells[c], stdout);
      if (cells[c + 1] && c < 32) {
        size_t w = 0;
        for (const char *p = cells[c]; *p; p++)
          w += ((unsigned char)*p & 0xc0) != 0x80;
        for (size_t k = w; k < widths[c] + 3; k++)
          putchar(' ');
      }
    }
    putchar('\n');
  }
}

/* One container's ps record (ps.json, a few fields), refreshed from /proc; read relative to
 * the containers dir with one read into a stack buffer: ps does this for every container. */
static struct ctr_record *ps_load(const struct eng_ctx *ctx, int ctr_fd, const char *id)
{
  char path[128], buf[16384];
  snprintf(path, sizeof(path), "%s/%s", id, STORE_PS_RECORD);
  json_t *doc = NULL;
  autoclose int fd = openat(ctr_fd, path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? RETRY_EINTR(read(fd, buf, sizeof(buf))) : -1;
  if (n > 0 && (size_t)n < sizeof(buf))
    doc = json_loadb(buf, (size_t)n, 0, NULL);
  struct ctr_record *rec = NULL;
  if (doc) {
    rec = record_from_json(doc);
    if (eng_orphan_hook && store_monitor_gone(rec))
      eng_orphan_hook(ctx, id);
    store_refresh_state(rec);
    health_fill(ctx, rec);
    return rec;
  }
  autoerr struct td_err *e = NULL;
  /* no summary (older record, or a big one): the full record; none yet: being created */
  if (eng_load_refreshed(ctx, id, &rec, &e) < 0)
    return NULL;
  health_fill(ctx, rec);
  return rec;
}

static bool ps_wanted(struct ctr_record *rec, const struct eng_ps_opts *o, struct ps_ancestry *anc)
{
  const char *st = rec->state.status;
  bool running = st && (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0 ||
                        strcmp(st, "restarting") == 0);
  bool has_status_filter = false;
  for (char **f = o->filters; f && *f; f++)
    if (strncmp(*f, "status=", 7) == 0)
      has_status_filter = true;
  if (!o->all && !running && !has_status_filter && o->last < 0 && !o->latest)
    return false;
  return filters_match(rec, o->filters, anc != NULL) &&
         (anc == NULL || ps_ancestry_match(anc, rec));
}

struct ps_line {
  char *created;
  char *text;
};

static int cmp_line(const void *a, const void *b)
{
  const struct ps_line *x = a, *y = b;
  return strcmp(y->created, x->created);
}

/* Every wanted container's formatted line with its creation time. Each record is formatted
 * and freed at once, so the heap stays small (page faults cost here, not just parsing). */
static int ps_lines(struct eng_ctx *ctx, const struct eng_ps_opts *o, const char *fmt,
                    struct ps_line **out, size_t *n, struct td_err **err)
{
  autostrv char **ids = NULL;
  if (store_list(ctx, &ids, err) < 0)
    return -1;
  autoclose int ctr_fd = open(ctx->ctr_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ctr_fd < 0)
    return err_set(err, errno, "open %s", ctx->ctr_dir);
  struct gotmpl *tmpl = NULL;
  if (gotmpl_parse_format(fmt, &tmpl, err) < 0)
    return -1;
  /* docker's ps rows are a *formatter.ContainerContext, with a Label method */
  struct gotmpl_opts topts = {.type = "*formatter.ContainerContext", .method = gotmpl_label_method};
  struct ps_ancestry *anc = ps_ancestry_new(ctx->root, o->filters);
  size_t cnt = strv_len(ids), k = 0;
  struct ps_line *lines = xcalloc(cnt + 1, sizeof(*lines));
  for (size_t i = 0; i < cnt; i++) {
    autorecord struct ctr_record *rec = ps_load(ctx, ctr_fd, ids[i]);
    if (rec == NULL || !ps_wanted(rec, o, anc))
      continue;
    autojson json_t *row = ps_row(ctx, rec, o);
    char *text = NULL;
    /* view output: the labels object as the document has it (the Label method reads it) */
    topts.ud = json_object_get(json_object_get(rec->doc, "Config"), "Labels");
    if (gotmpl_exec_opts(tmpl, row, &topts, &text, err) < 0) {
      gotmpl_free(tmpl);
      ps_ancestry_free(anc);
      for (size_t j = 0; j < k; j++) {
        free(lines[j].created);
        free(lines[j].text);
      }
      free(lines);
      return -1;
    }
    const char *created = rec->created;
    lines[k++] = (struct ps_line){xstrdup(created ? created : ""), text};
  }
  gotmpl_free(tmpl);
  ps_ancestry_free(anc);
  qsort(lines, k, sizeof(*lines), cmp_line);
  *out = lines;
  *n = k;
  return 0;
}

/* docker's ps checks --format first, as typed, over an empty row: "failed to parse template:
 * ..." or "failed to execute template: ..." and 1, even with no container. */
static int ps_validate(const char *fmt)
{
  static const char *const fields[] = {"ID",     "Image",  "Command",  "CreatedAt",   "RunningFor",
                                       "Ports",  "State",  "Status",   "Size",        "Names",
                                       "Labels", "Mounts", "Networks", "LocalVolumes"};
  struct gotmpl *t = NULL;
  autoerr struct td_err *e = NULL;
  if (gotmpl_parse(fmt, &t, &e) < 0) {
    fprintf(stderr, "failed to parse template: %s\n", gotmpl_go_error(e));
    return 1;
  }
  autojson json_t *row = json_object();
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
    json_object_set_new(row, fields[i], json_string(""));
  struct gotmpl_opts topts = {.type = "*formatter.ContainerContext", .method = gotmpl_label_method};
  autofree char *out = NULL;
  int rc = gotmpl_exec_opts(t, row, &topts, &out, &e);
  gotmpl_free(t);
  if (rc < 0) {
    fprintf(stderr, "failed to execute template: %s\n", gotmpl_go_error(e));
    return 1;
  }
  return 0;
}

/* docker's ps computes sizes when the template reads .Size (its FieldsUsed), {{json .}} too
 * (the context's MarshalJSON reads every field) */
static bool fmt_uses_size(const char *fmt)
{
  if (strstr(fmt, ".Size"))
    return true;
  for (const char *p = strstr(fmt, "json ."); p; p = strstr(p + 1, "json .")) {
    const char *q = p + 6;
    while (*q == ' ')
      q++;
    if (*q == '}' || *q == '-' || *q == ')' || *q == '|')
      return true;
  }
  return false;
}

int eng_ps(struct eng_ctx *ctx, const struct eng_ps_opts *o_in, struct td_err **err)
{
  struct eng_ps_opts oo = *o_in;
  const struct eng_ps_opts *o = &oo;
  eng_trash_sweep(ctx); /* what a --rm remover killed half way left */
  const char *fmt = o->format;
  bool table_default = false;
  if (fmt == NULL || strcmp(fmt, "table") == 0) {
    table_default = true;
    fmt = o->size ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t"
                    "{{.Ports}}\t{{.Names}}\t{{.Size}}"
                  : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t"
                    "{{.Ports}}\t{{.Names}}";
  }
  if (!table_default) {
    int v = ps_validate(fmt);
    if (v != 0)
      return v;
  }
  if (o->quiet)
    fmt = "{{.ID}}";
  oo.size = oo.size || fmt_uses_size(fmt);
  struct ps_line *rows = NULL;
  size_t n = 0;
  if (ps_lines(ctx, o, fmt, &rows, &n, err) < 0)
    return -1;
  bool table = gotmpl_is_table(fmt);
  size_t shown = n;
  if (o->latest && shown > 1)
    shown = 1;
  if (o->last >= 0 && shown > (size_t)o->last)
    shown = (size_t)o->last;
  char **lines = xcalloc(shown + 2, sizeof(char *));
  size_t k = 0;
  if (table)
    lines[k++] = gotmpl_header(fmt, ps_header);
  for (size_t i = 0; i < n; i++) {
    free(rows[i].created);
    if (i < shown)
      lines[k++] = rows[i].text;
    else
      free(rows[i].text);
  }
  free(rows);
  if (table || table_default)
    gotmpl_tabwrite(stdout, lines, 10);
  else
    for (char **l = lines; *l; l++)
      printf("%s\n", *l);
  strv_free(lines);
  return 0;
}

static int prune_one(struct eng_ctx *ctx, const struct ctr_record *rec, char ***removed)
{
  const char *st = rec->state.status;
  if (st == NULL ||
      (strcmp(st, "exited") != 0 && strcmp(st, "created") != 0 && strcmp(st, "dead") != 0))
    return 0;
  autoerr struct td_err *e = NULL;
  if (eng_rm(ctx, rec->id, false, true, &e) == 0)
    strv_push(removed, rec->id);
  return 0;
}

int eng_prune(struct eng_ctx *ctx, char **filters, bool total, struct td_err **err)
{
  if (eng_prune_filters_check(filters, err) < 0)
    return -1;
  eng_trash_sweep(ctx); /* what a --rm remover killed half way left */
  struct ctr_record **recs = NULL;
  size_t n = 0;
  if (load_all(ctx, &recs, &n, err) < 0)
    return -1;
  autostrv char **removed = xcalloc(1, sizeof(char *));
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  for (size_t i = 0; i < n; i++) {
    bool ok =
        prune_filters_match(recs[i], filters, (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec);
    if (ok)
      prune_one(ctx, recs[i], &removed);
    record_free(recs[i]);
  }
  free(recs);
  if (removed[0]) {
    printf("Deleted Containers:\n");
    for (char **r = removed; *r; r++)
      printf("%s\n", *r);
    printf("\n");
  }
  if (total)
    printf("Total reclaimed space: 0B\n");
  return 0;
}

char *ps_status_text(const struct ctr_record *rec)
{
  return status_text(rec);
}

char *ps_command_text(const struct ctr_record *rec, bool no_trunc)
{
  return command_text(rec, no_trunc);
}
