# Sourced by ./berth and ./run-tests: sets JAVA_HOME to a JDK >= 21 or exits with a clear message.
# Looks at JAVA_HOME, then the usual install folders, then the java on PATH.

berth_java_version() {
  # Prints the feature version (e.g. 25) of the java binary given, or nothing. The JDK's release file says it without
  # starting a JVM (100 ms of every ./berth call); java itself is asked only when there is none.
  local release version
  release="$(dirname "$(dirname "$1")")/release"
  if [ -f "$release" ]; then
    version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" | head -n 1)
    if [ -n "$version" ]; then
      echo "$version"
      return 0
    fi
  fi
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

berth_find_java() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-*-jdk* /usr/lib/jvm/java-2[1-9]-openjdk* \
      /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/current; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    version=$(berth_java_version "$candidate/bin/java")
    if [ -n "$version" ] && [ "$version" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      berth_java_feature="$version"
      return 0
    fi
  done
  if command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    version=$(berth_java_version "$candidate/bin/java")
    if [ -n "$version" ] && [ "$version" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      berth_java_feature="$version"
      return 0
    fi
  fi
  echo "berth: a JDK 21 or newer is required (Temurin 25 recommended)." >&2
  echo "berth: none found in JAVA_HOME, /usr/lib/jvm, /opt or on PATH. Install one (e.g. 'apt-get install openjdk-21-jdk-headless' or Temurin 25) and set JAVA_HOME." >&2
  exit 1
}
