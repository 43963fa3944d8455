# Shared by the bin/ scripts: builds the project when needed and prints the run classpath
# (our classes + every dependency, Spark included, from the local Maven repository).
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
MVN="mvn -B -q ${MAVEN_ARGS:-}"
CP_FILE="$ROOT/jobs/target/run-classpath.txt"

# The JVM flags Spark needs on Java 17, read from the parent pom so there is one list.
SPARK_JVM_OPENS="$(sed -n 's:.*<spark.jvm.opens>\(.*\)</spark.jvm.opens>.*:\1:p' "$ROOT/pom.xml")"

build_if_needed() {
  local stale=0
  if [ ! -f "$CP_FILE" ]; then
    stale=1
  elif [ -n "$(find "$ROOT/pom.xml" "$ROOT/common" "$ROOT/jobs" "$ROOT/sample-data/generator" -path '*/target' -prune -o \
          -type f -newer "$CP_FILE" -print -quit)" ]; then
    stale=1
  fi
  if [ "$stale" = 1 ]; then
    echo "Building (mvn package -DskipTests) ..." >&2
    # One reactor build, nothing installed: the classpath names common's jar in common/target.
    (cd "$ROOT" && $MVN package dependency:build-classpath -DskipTests -Dmdep.includeScope=compile \
      -Dmdep.outputFile=target/run-classpath.txt)
  fi
}

app_classpath() {
  echo "$ROOT/jobs/target/classes:$(cat "$CP_FILE")"
}

# The generator module (sample-data/generator): data generators and benchmarks, on top of the app.
bench_classpath() {
  echo "$ROOT/sample-data/generator/target/classes:$(cat "$ROOT/sample-data/generator/target/run-classpath.txt")"
}
