#!/usr/bin/env bats
load ../helpers/common

@test "both programs are built and report their version" {
  run "$TINYDOCKER" --version
  [ "$status" -eq 0 ]
  [[ "$output" == "tinydocker version "* ]]
  run "$TINYRUN" --version
  [ "$status" -eq 0 ]
  [[ "$output" == *"tinyrun version "* ]]
}

@test "the C sources follow the committed .clang-format" {
  command -v clang-format
  cd "$REPO"
  files=$(find cli engine fuzz image net runtime tests/helpers util -name '*.[ch]' | sort)
  [ -n "$files" ]
  run clang-format --dry-run -Werror $files
  echo "$output" | head -40
  [ "$status" -eq 0 ]
}
