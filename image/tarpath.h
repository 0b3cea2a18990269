/* Pure rules for paths and whiteouts inside layer tarballs (unit-tested). */
#pragma once

/* Normalise an archive member name to a relative path with no "", "." or ".." components
 * ("./a//b/" -> "a/b", "/etc/x" -> "etc/x", "." -> ""). Returns NULL when a ".." component
 * appears (docker refuses breakouts) or the name is too long. */
char *image_tar_path_clean(const char *name);

enum image_whiteout {
  IMAGE_WH_NONE,    /* an ordinary name */
  IMAGE_WH_OPAQUE,  /* ".wh..wh..opq": the parent dir hides all lower content */
  IMAGE_WH_FILE,    /* ".wh.<name>": <name> is deleted */
  IMAGE_WH_META,    /* other ".wh..wh.*" (aufs metadata): ignored */
  IMAGE_WH_INVALID, /* ".wh." with an empty, "." or ".." target */
};

/* Classify a base name; for IMAGE_WH_FILE *target points into base at the hidden name. */
enum image_whiteout image_whiteout_kind(const char *base, const char **target);
