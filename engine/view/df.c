/* `system df` (-v): disk use of images (their unpacked layers, each counted once), containers
 * (their upper dirs), local volumes and the build cache (the build's intermediate states and its
 * cache mounts), as docker's table. Sizes are the apparent sizes of the
 * regular files, walked without following symlinks or crossing mounts. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/container/container.h"
#include "engine/engine.h"
#include "engine/view/view.h"
#include "image/image.h"
#include "image/store.h"
#include "image/volume.h"
#include "util/cleanup.h"
#include "util/gotmpl.h"
#include "util/human.h"
#include "util/strv.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static uint64_t walk_total;

static int add_size(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)p, (void)ftw;
  if (flag == FTW_F && S_ISREG(st->st_mode))
    walk_total += (uint64_t)st->st_size;
  return 0;
}

static uint64_t dir_size(const char *dir)
{
  walk_total = 0;
  nftw(dir, add_size, 32, FTW_PHYS | FTW_MOUNT);
  return walk_total;
}

/* docker's tabwriter: minimum width 10, padding 3. */
static void print_rows(char **lines)
{
  size_t widths[16] = {0};
  for (char **l = lines; l && *l; l++) {
    autostrv char **cells = strv_split(*l, '\t');
    for (size_t c = 0; cells[c] && c < 16; c++)
      if (cells[c + 1] && strlen(cells[c]) + 3 > widths[c])
        widths[c] = strlen(cells[c]) + 3;
  }
  for (char **l = lines; l && *l; l++) {
    autostrv char **cells = strv_split(*l, '\t');
    for (size_t c = 0; cells[c]; c++) {
      if (cells[c + 1] && c < 16)
        printf("%-*s", (int)(widths[c] < 10 ? 10 : widths[c]), cells[c]);
      else
        fputs(cells[c], stdout);
    }
    putchar('\n');
  }
}

static char *reclaim(uint64_t reclaimable, uint64_t total)
{
  autofree char *r = human_size((double)reclaimable, 4);
  if (total == 0)
    return xstrdup(r);
  return xasprintf("%s (%llu%%)", r, (unsigned long long)(reclaimable * 100 / total));
}

static char *ago(const char *rfc3339)
{
  int64_t t = rfc3339 ? time_parse_rfc3339(rfc3339) : 0;
  if (t <= 0)
    return xstrdup("N/A");
  autofree char *d = human_duration((int64_t)time(NULL) - t / 1000000000LL);
  return xasprintf("%s ago", d);
}

struct usage {
  json_t *images;     /* [{Id, Names[], Created, Layers[] sizes, Size, Containers}] */
  json_t *containers; /* [{Id, Image, Command, Size, Created, Status, Names, Running, Volumes}] */
  json_t *volumes;    /* [{Name, Size, Links}] */
  json_t *cache;      /* the build cache: [{Id, Type, Created, Layers[], InUse, Size, Shared}] */
  uint64_t img_total, img_used, ctr_total, ctr_reclaim, vol_total, vol_reclaim;
  uint64_t cache_total, cache_reclaim;
  size_t img_active, ctr_active, vol_active, cache_active;
};

static void collect_containers(struct eng_ctx *ctx, struct usage *u, json_t *used_images,
                               json_t *used_vols)
{
  autostrv char **ids = NULL;
  autoerr struct td_err *e = NULL;
  if (store_list(ctx, &ids, &e) < 0)
    return;
  for (char **id = ids; id && *id; id++) {
    autorecord struct ctr_record *rec = NULL;
    autoerr struct td_err *e2 = NULL;
    if (eng_load_refreshed(ctx, *id, &rec, &e2) < 0)
      continue;
    autofree char *dir = store_dir(ctx, *id);
    autofree char *upper = xasprintf("%s/upper", dir);
    uint64_t size = dir_size(upper);
    const char *st = rec->state.status;
    bool running = st && (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0);
    u->ctr_total += size;
    if (running)
      u->ctr_active++;
    else
      u->ctr_reclaim += size;
    const char *img = rec->image;
    if (img)
      json_object_set_new(used_images, img, json_true());
    size_t nvol = 0, i;
    json_t *m;
    /* view output: docker's Mounts, as the record's document has them */
    json_array_foreach (json_object_get(rec->doc, "Mounts"), i, m) {
      const char *t = json_string_value(json_object_get(m, "Type"));
      const char *n = json_string_value(json_object_get(m, "Name"));
      if (t && n && strcmp(t, "volume") == 0) {
        json_object_set_new(used_vols, n,
                            json_integer(json_integer_value(json_object_get(used_vols, n)) + 1));
        nvol++;
      }
    }
    autofree char *cmd = ps_command_text(rec, false);
    autofree char *status = ps_status_text(rec);
    const char *name = rec->name;
    json_array_append_new(u->containers,
                          json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s}", "Id", *id, "Image",
                                    rec->config.image ? rec->config.image : "", "Command", cmd,
                                    "LocalVolumes", (json_int_t)nvol, "Size", (json_int_t)size,
                                    "Created", rec->created ? rec->created : "", "Status", status,
                                    "Names", name ? name + (name[0] == '/') : ""));
  }
}

/* The build cache: the intermediate states (their layers that no image has, each counted once,
 * given to the state that made it: its top layer) and the RUN --mount=type=cache directories
 * (<root>/buildcache/mounts). Reclaimable: what `builder prune` frees (a state a container uses
 * stays). */
static void collect_cache(struct eng_ctx *ctx, struct usage *u, json_t *used_images,
                          json_t *cache_ids, json_t *img_layers)
{
  autojson json_t *sizes = json_object(); /* chain id -> size, the cache-only layers */
  autojson json_t *kept = json_object();  /* chain ids a state in use holds */
  size_t i;
  json_t *idj;
  json_array_foreach (cache_ids, i, idj) {
    const char *id = json_string_value(idj);
    struct image_info *info = NULL;
    autoerr struct td_err *e = NULL;
    if (image_resolve(ctx->root, id, &info, &e) < 0)
      continue;
    bool in_use = json_object_get(used_images, id) != NULL;
    uint64_t size = 0;
    bool shared = false;
    for (size_t k = 0; k < info->n_layers; k++) {
      const char *chain = info->chain_ids[k];
      if (json_object_get(img_layers, chain)) {
        if (k + 1 == info->n_layers)
          shared = true;
        continue;
      }
      if (in_use)
        json_object_set_new(kept, chain, json_true());
      if (json_object_get(sizes, chain))
        continue;
      uint64_t s = dir_size(info->layer_dirs[k]);
      json_object_set_new(sizes, chain, json_integer((json_int_t)s));
      size += s;
    }
    const char *created = json_string_value(json_object_get(info->config, "created"));
    json_array_append_new(u->cache, json_pack("{s:s,s:s,s:s,s:b,s:I,s:b}", "Id", id, "Type",
                                              "regular", "Created", created ? created : "", "InUse",
                                              in_use, "Size", (json_int_t)size, "Shared", shared));
    if (in_use)
      u->cache_active++;
    image_info_free(info);
  }
  const char *k;
  json_t *v;
  json_object_foreach (sizes, k, v) {
    u->cache_total += (uint64_t)json_integer_value(v);
    if (!json_object_get(kept, k))
      u->cache_reclaim += (uint64_t)json_integer_value(v);
  }
  autofree char *mdir = xasprintf("%s/buildcache/mounts", ctx->root);
  autoclosedir DIR *d = opendir(mdir);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    autofree char *p = xasprintf("%s/%s", mdir, de->d_name);
    struct stat st;
    if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
      continue;
    uint64_t s = dir_size(p);
    char created[64];
    struct tm tm;
    time_t mt = st.st_mtim.tv_sec;
    gmtime_r(&mt, &tm);
    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_array_append_new(u->cache, json_pack("{s:s,s:s,s:s,s:b,s:I,s:b}", "Id", de->d_name, "Type",
                                              "exec.cachemount", "Created", created, "InUse", false,
                                              "Size", (json_int_t)s, "Shared", false));
    u->cache_total += s;
    u->cache_reclaim += s;
  }
}

static void collect_images(struct eng_ctx *ctx, struct usage *u, json_t *used_images)
{
  autojson json_t *index = NULL;
  autoerr struct td_err *e = NULL;
  if (image_index_read(ctx->root, &index, &e) < 0)
    return;
  autojson json_t *layer_size = json_object();  /* chain id -> size */
  autojson json_t *layer_users = json_object(); /* chain id -> images using it */
  autojson json_t *seen = json_object();
  autojson json_t *cache_seen = json_object();
  autojson json_t *cache_ids = json_array();
  size_t i;
  json_t *ent;
  json_array_foreach (json_object_get(index, "manifests"), i, ent) {
    const char *id = image_entry_id(ent);
    const char *name = image_entry_name(ent);
    if (id == NULL)
      continue;
    /* a build's intermediate state: the build cache (builder prune), not an image */
    if (name == NULL &&
        json_object_get(json_object_get(ent, "annotations"), IMAGE_ANNOT_BUILD_CACHE)) {
      if (!json_object_get(cache_seen, id)) {
        json_object_set_new(cache_seen, id, json_true());
        json_array_append_new(cache_ids, json_string(id));
      }
      continue;
    }
    json_t *img = json_object_get(seen, id);
    if (img) {
      if (name)
        json_array_append_new(json_object_get(img, "Names"), json_string(name));
      continue;
    }
    struct image_info *info = NULL;
    autoerr struct td_err *e2 = NULL;
    if (image_resolve(ctx->root, id, &info, &e2) < 0)
      continue;
    json_t *layers = json_array();
    for (size_t k = 0; k < info->n_layers; k++) {
      const char *chain = info->chain_ids[k];
      if (!json_object_get(layer_size, chain))
        json_object_set_new(layer_size, chain,
                            json_integer((json_int_t)dir_size(info->layer_dirs[k])));
      json_object_set_new(
          layer_users, chain,
          json_integer(json_integer_value(json_object_get(layer_users, chain)) + 1));
      json_array_append_new(layers, json_string(chain));
    }
    const char *created = json_string_value(json_object_get(info->config, "created"));
    img = json_pack("{s:s,s:[],s:s,s:o,s:b}", "Id", id, "Names", "Created", created ? created : "",
                    "Layers", layers, "InUse", json_object_get(used_images, id) != NULL);
    if (name)
      json_array_append_new(json_object_get(img, "Names"), json_string(name));
    json_object_set_new(seen, id, img);
    json_array_append(u->images, img);
    image_info_free(info);
  }
  const char *k;
  json_t *v;
  json_object_foreach (layer_size, k, v)
    u->img_total += (uint64_t)json_integer_value(v);
  json_array_foreach (u->images, i, ent) {
    uint64_t size = 0, shared = 0;
    size_t j;
    json_t *c;
    json_array_foreach (json_object_get(ent, "Layers"), j, c) {
      uint64_t s = (uint64_t)json_integer_value(json_object_get(layer_size, json_string_value(c)));
      size += s;
      if (json_integer_value(json_object_get(layer_users, json_string_value(c))) > 1)
        shared += s;
    }
    json_object_set_new(ent, "Size", json_integer((json_int_t)size));
    json_object_set_new(ent, "SharedSize", json_integer((json_int_t)shared));
    if (json_is_true(json_object_get(ent, "InUse"))) {
      u->img_active++;
      u->img_used += size - shared;
    }
  }
  collect_cache(ctx, u, used_images, cache_ids, layer_size);
}

static void collect_volumes(struct eng_ctx *ctx, struct usage *u, json_t *used_vols)
{
  autojson json_t *list = NULL;
  autoerr struct td_err *e = NULL;
  if (volume_list(ctx->root, &list, &e) < 0)
    return;
  size_t i;
  json_t *v;
  json_array_foreach (list, i, v) {
    const char *name = json_string_value(json_object_get(v, "Name"));
    const char *mp = json_string_value(json_object_get(v, "Mountpoint"));
    uint64_t size = mp ? dir_size(mp) : 0;
    json_int_t links = json_integer_value(json_object_get(used_vols, name ? name : ""));
    u->vol_total += size;
    if (links)
      u->vol_active++;
    else
      u->vol_reclaim += size;
    json_array_append_new(u->volumes, json_pack("{s:s,s:I,s:I}", "Name", name ? name : "", "Size",
                                                (json_int_t)size, "Links", links));
  }
}

static void print_verbose(struct usage *u)
{
  autostrv char **rows = NULL;
  printf("Images space usage:\n\n");
  strv_push(&rows,
            "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS");
  size_t i;
  json_t *e;
  json_array_foreach (u->images, i, e) {
    json_t *names = json_object_get(e, "Names");
    size_t nn = json_array_size(names);
    for (size_t k = 0; k < (nn ? nn : 1); k++) {
      autofree char *repo = NULL, *tag = NULL;
      if (nn) {
        autofree char *fam = image_name_familiar(json_string_value(json_array_get(names, k)));
        char *colon = strrchr(fam, ':');
        repo = colon ? xstrndup(fam, (size_t)(colon - fam)) : xstrdup(fam);
        tag = xstrdup(colon ? colon + 1 : "latest");
      } else {
        repo = xstrdup("<none>");
        tag = xstrdup("<none>");
      }
      const char *id = json_string_value(json_object_get(e, "Id"));
      autofree char *created = ago(json_string_value(json_object_get(e, "Created")));
      uint64_t size = (uint64_t)json_integer_value(json_object_get(e, "Size"));
      uint64_t shared = (uint64_t)json_integer_value(json_object_get(e, "SharedSize"));
      autofree char *s1 = human_size((double)size, 4);
      autofree char *s2 = human_size((double)shared, 4);
      autofree char *s3 = human_size((double)(size - shared), 4);
      autofree char *row = xasprintf("%s\t%s\t%.12s\t%s\t%s\t%s\t%s\t%d", repo, tag,
                                     id + (strncmp(id, "sha256:", 7) == 0 ? 7 : 0), created, s1, s2,
                                     s3, json_is_true(json_object_get(e, "InUse")) ? 1 : 0);
      strv_push(&rows, row);
    }
  }
  print_rows(rows);
  strv_free(rows);
  rows = NULL;
  printf("\nContainers space usage:\n\n");
  strv_push(&rows, "CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES");
  json_array_foreach (u->containers, i, e) {
    autofree char *size = human_size((double)json_integer_value(json_object_get(e, "Size")), 3);
    autofree char *created = ago(json_string_value(json_object_get(e, "Created")));
    autofree char *row = xasprintf(
        "%.12s\t%s\t%s\t%lld\t%s\t%s\t%s\t%s", json_string_value(json_object_get(e, "Id")),
        json_string_value(json_object_get(e, "Image")),
        json_string_value(json_object_get(e, "Command")),
        (long long)json_integer_value(json_object_get(e, "LocalVolumes")), size, created,
        json_string_value(json_object_get(e, "Status")),
        json_string_value(json_object_get(e, "Names")));
    strv_push(&rows, row);
  }
  print_rows(rows);
  strv_free(rows);
  rows = NULL;
  printf("\nLocal Volumes space usage:\n\n");
  strv_push(&rows, "VOLUME NAME\tLINKS\tSIZE");
  json_array_foreach (u->volumes, i, e) {
    autofree char *size = human_size((double)json_integer_value(json_object_get(e, "Size")), 3);
    autofree char *row =
        xasprintf("%s\t%lld\t%s", json_string_value(json_object_get(e, "Name")),
                  (long long)json_integer_value(json_object_get(e, "Links")), size);
    strv_push(&rows, row);
  }
  print_rows(rows);
  autofree char *cache_total = human_size((double)u->cache_total, 4);
  printf("\nBuild cache usage: %s\n\n", cache_total);
  strv_free(rows);
  rows = NULL;
  strv_push(&rows, "CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED");
  json_array_foreach (u->cache, i, e) {
    const char *id = json_string_value(json_object_get(e, "Id"));
    autofree char *size = human_size((double)json_integer_value(json_object_get(e, "Size")), 4);
    autofree char *created = ago(json_string_value(json_object_get(e, "Created")));
    autofree char *row =
        xasprintf("%.12s\t%s\t%s\t%s\t%s\t%d\t%s", id + (strncmp(id, "sha256:", 7) == 0 ? 7 : 0),
                  json_string_value(json_object_get(e, "Type")), size, created,
                  json_is_true(json_object_get(e, "InUse")) ? "now" : created,
                  json_is_true(json_object_get(e, "InUse")) ? 1 : 0,
                  json_is_true(json_object_get(e, "Shared")) ? "true" : "false");
    strv_push(&rows, row);
  }
  print_rows(rows);
}

int eng_system_df(struct eng_ctx *ctx, bool verbose, const char *format, struct td_err **err)
{
  struct usage u = {.images = json_array(),
                    .containers = json_array(),
                    .volumes = json_array(),
                    .cache = json_array()};
  autojson json_t *used_images = json_object();
  autojson json_t *used_vols = json_object();
  collect_containers(ctx, &u, used_images, used_vols);
  collect_images(ctx, &u, used_images);
  collect_volumes(ctx, &u, used_vols);
  int rc = 0;
  autostrv char **lines = NULL;
  if (verbose && format == NULL) {
    print_verbose(&u);
    goto out;
  }
  struct {
    const char *type;
    size_t total, active;
    uint64_t size, reclaimable;
    bool pct;
  } rows[] = {
      {"Images", json_array_size(u.images), u.img_active, u.img_total, u.img_total - u.img_used,
       true},
      {"Containers", json_array_size(u.containers), u.ctr_active, u.ctr_total, u.ctr_reclaim, true},
      {"Local Volumes", json_array_size(u.volumes), u.vol_active, u.vol_total, u.vol_reclaim, true},
      {"Build Cache", json_array_size(u.cache), u.cache_active, u.cache_total, u.cache_reclaim,
       false},
  };
  struct gotmpl *t = NULL;
  if (format && gotmpl_parse_format(format, &t, err) < 0) {
    (*err)->exit_code = 1;
    err_prefix(err, "template parsing error");
    rc = err_mark(err, ERR_BARE);
    goto out;
  }
  if (t == NULL)
    strv_push(&lines, "TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE");
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    autofree char *size = human_size((double)rows[i].size, 4);
    autofree char *rec = rows[i].pct ? reclaim(rows[i].reclaimable, rows[i].size)
                                     : human_size((double)rows[i].reclaimable, 4);
    if (t) {
      autojson json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s}", "Type", rows[i].type, "TotalCount",
                                     "", "Active", "", "Size", size, "Reclaimable", rec);
      char num[32];
      snprintf(num, sizeof(num), "%zu", rows[i].total);
      json_object_set_new(j, "TotalCount", json_string(num));
      snprintf(num, sizeof(num), "%zu", rows[i].active);
      json_object_set_new(j, "Active", json_string(num));
      autofree char *out = NULL;
      if (gotmpl_exec(t, j, &out, err) < 0) {
        rc = -1;
        break;
      }
      printf("%s\n", out);
      continue;
    }
    autofree char *row =
        xasprintf("%s\t%zu\t%zu\t%s\t%s", rows[i].type, rows[i].total, rows[i].active, size, rec);
    strv_push(&lines, row);
  }
  if (t == NULL)
    print_rows(lines);
  gotmpl_free(t);
out:
  json_decref(u.images);
  json_decref(u.containers);
  json_decref(u.volumes);
  json_decref(u.cache);
  return rc;
}
