/* ps: reads records only (no forks, no runtime calls), so `ps` stays fast with hundreds of
 * containers: each wanted one (ps_filter.c) formatted from its row (ps_row.c) with --format's
 * template, newest first, as a table or lines. Also the table printer that top uses. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/gotmpl.h"
#include "engine/container/container.h"
#include "engine/view/view.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

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
