# What may differ between two runs of the same case, in either program: ids, digests, times,
# ages, sizes, the program's own name. Applied to stdout and stderr of both (sed -E not needed:
# POSIX ERE through -E is not portable to every sed; these are basic expressions).
s/sha256:[0-9a-f]\{64\}/sha256:<DIGEST>/g
s/[0-9a-f]\{64\}/<ID>/g
s/\b[0-9a-f]\{12\}\b/<ID>/g
s/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9][.0-9]*\(Z\|[+-][0-9][0-9]:[0-9][0-9]\)/<TIME>/g
s/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] [+-][0-9]\{4\} [A-Z]*/<TIME>/g
s/\(Less than a second\|About a minute\|About an hour\|[0-9]\+ \(seconds\?\|minutes\?\|hours\?\|days\?\|weeks\?\|months\?\|years\?\)\) ago/<AGO>/g
s/Up \(Less than a second\|About a minute\|About an hour\|[0-9]\+ \(seconds\?\|minutes\?\|hours\?\|days\?\)\)/Up <DUR>/g
s/\b[0-9]\+\(\.[0-9]\+\)\? \?\(B\|kB\|KB\|MB\|GB\|KiB\|MiB\|GiB\)\b/<SIZE>/g
# docker's CLI, when the start of `docker run` fails, may also log the cancelled wait for the
# container (a race of its own goroutines, there or not from one run to the next): not output
# of the command
/^time="<TIME>" level=error msg="error waiting for container: context canceled"$/d
s/^docker: /tinydocker: /
s/'docker /'tinydocker /g
s/\bdocker \(run\|create\|exec\|start\) --help/tinydocker \1 --help/g
s/is not a docker command\./is not a tinydocker command./
s/^"docker /"tinydocker /
s/^Usage:  docker /Usage:  tinydocker /
