# Sourced by bench/run.sh and bench/jmh.sh: finds the JDK as ./berth does, builds Berth's jar when its sources
# changed (as ./berth does; not with no_build=1), copies it to bench/target/berth-under-test.jar (so a concurrent rebuild of target/
# cannot change the jar under test), and builds the bench project against that copy.
# Sets: JAVA_HOME, BERTH_JAR (the copy), BENCH_CP (bench classes + dependencies + BERTH_JAR).

bench_build() {
  local root="$1" no_build="$2"
  # shellcheck source=../scripts/find-java.sh
  . "$root/scripts/find-java.sh"
  berth_find_java
  local jar="$root/target/berth.jar"
  if [ "$no_build" != 1 ]; then
    if [ ! -f "$jar" ] || [ "$root/pom.xml" -nt "$jar" ] \
        || [ -n "$(find "$root/src/main" -newer "$jar" -type f -print -quit 2>/dev/null)" ]; then
      echo "bench: building Berth (target/berth.jar)..." >&2
      (cd "$root" && ./mvnw -q -B -ntp -Dmaven.test.skip=true package) >&2
    fi
  fi
  [ -f "$jar" ] || { echo "bench: $jar is missing; build Berth first" >&2; return 1; }
  mkdir -p "$root/bench/target"
  BERTH_JAR="$root/bench/target/berth-under-test.jar"
  cp "$jar" "$BERTH_JAR.tmp" && mv "$BERTH_JAR.tmp" "$BERTH_JAR"
  # Its class-data archive (run.sh points the launcher's option here) belongs to the jar it was made from.
  rm -f "$root/bench/target/berth-under-test.jsa"
  local cp_file="$root/bench/target/classpath.txt"
  if [ "$no_build" != 1 ] || [ ! -f "$cp_file" ] || [ "$root/bench/pom.xml" -nt "$cp_file" ] \
      || [ -n "$(find "$root/bench/src" -newer "$cp_file" -type f -print -quit 2>/dev/null)" ]; then
    echo "bench: building the bench project..." >&2
    # Compiled anew each time: Maven does not recompile unchanged sources when only Berth's jar changed, so a change
    # of Berth's API would otherwise surface at run time instead of here.
    rm -rf "$root/bench/target/classes"
    (cd "$root" && ./mvnw -q -B -ntp -f bench/pom.xml -Dberth.jar="$BERTH_JAR" package) >&2
  fi
  BENCH_CP="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt"):$BERTH_JAR"
  export JAVA_HOME BERTH_JAR BENCH_CP
}
