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
