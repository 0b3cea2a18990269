# The network rule: tests reach only loopback, their own containers and netns. A registry
# client a test starts (tinydocker's run, pull and build, dockerd) would otherwise go to Docker
# Hub for an image it lacks. TD_OFFLINE_ENV sends every registry request that is not for
# loopback to a proxy on a loopback port where nothing listens: it fails at once, with no DNS
# lookup of the remote name (libcurl and Go leave the name to the proxy). Given only to those
# programs (td, dk_start, the compat suite), never exported to the tests themselves, which
# talk to their containers' addresses directly.
TD_OFFLINE_ENV=(http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9
  HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9
  no_proxy=127.0.0.1,localhost,::1 NO_PROXY=127.0.0.1,localhost,::1)
# Exported too, for https only, to every test process (tests/run.sh, the stress and crash
# loops, each bats file): Docker Hub and every other remote registry speak https, while the
# tests' own plain-http requests to their containers stay direct.
export https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9
export no_proxy=127.0.0.1,localhost,::1 NO_PROXY=127.0.0.1,localhost,::1
