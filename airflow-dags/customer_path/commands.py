"""Spark-submit commands for the Customer Path nightly DAG.

Pure Python (standard library only, no airflow import) so the same code builds the
operator kwargs in the DAG, the argv printed by dry runs, and what the tests check.

Dry run, from the airflow-dags/ directory:
    python3 -m customer_path.commands --date 2026-06-30
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import re
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from types import MappingProxyType
from typing import Any, NamedTuple

# Variable getter with the shape of Airflow's Variable.get(key, default).
VariableGetter = Callable[[str, Any], Any]

DAG_ID = "customer_path_nightly"
INPUT_SENSOR_TASK_ID = "wait_for_inputs"
SPARK_BINARY = "spark-submit"

DEPLOYED_JAR = "/opt/customer-path/customer-path-app.jar"
DEPLOYED_CONF = "/opt/customer-path/conf/cluster.conf"
# Must point at the same place as the inputs path in conf/cluster.conf.
# The night's transactions under conf/cluster.conf's input-root (a test keeps them in step).
DEFAULT_INPUT_PATH_TEMPLATE = "s3a://customer-path/input/transactions/dt={date}"
DATE_PLACEHOLDER = "{date}"

# Repo-relative paths (used by local dry runs and by the repo consistency test).
REPO_JAR = "jobs/target/customer-path-app.jar"
REPO_CONF_FILES = ("conf/local.conf", "conf/cluster.conf")
NIGHTLY_PIPELINE_CLASS = "com.customerpath.jobs.NightlyPipeline"


class Job(NamedTuple):
    """One spark-submit task: its Airflow task id, main class and upstream task ids."""

    task_id: str
    java_class: str
    upstream: tuple[str, ...]


# The step catalog (PipelineCatalog in the Java code) exported as JSON next to this module:
# the tasks in dependency order, each with its main class and the steps whose output it reads.
# PipelineCatalogTest (Java) fails when this file and the catalog drift apart.
PIPELINE_STEPS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pipeline_steps.json")


def _load_jobs(path: str = PIPELINE_STEPS_FILE) -> tuple[Job, ...]:
    with open(path, encoding="utf-8") as f:
        steps = json.load(f)
    return tuple(Job(s["name"], s["class"], tuple(s["depends_on"])) for s in steps)


# Last is "report": run_manifest and the run's HTML report, <output root>/report/dt={{ ds }}/index.html.
JOBS: tuple[Job, ...] = _load_jobs()

JOBS_BY_ID: Mapping[str, Job] = MappingProxyType({job.task_id: job for job in JOBS})


class Var:
    """Airflow Variable names read by the DAG (see docs/airflow.md)."""

    CONN_ID = "customer_path_spark_conn_id"
    JAR = "customer_path_jar"
    CONF = "customer_path_conf"
    DEPLOY_MODE = "customer_path_deploy_mode"
    SPARK_CONF = "customer_path_spark_conf"
    EXECUTOR_MEMORY = "customer_path_executor_memory"
    EXECUTOR_CORES = "customer_path_executor_cores"
    DRIVER_MEMORY = "customer_path_driver_memory"
    DRIVER_CORES = "customer_path_driver_cores"
    NUM_EXECUTORS = "customer_path_num_executors"
    SET_OVERRIDES = "customer_path_set_overrides"
    INPUT_PATH = "customer_path_input_path"


# Read when the task runs (Jinja in templated operator fields), from any Variable backend.
RUNTIME_VARIABLES = (Var.JAR, Var.CONF, Var.INPUT_PATH)

DEPLOY_MODES = ("client", "cluster")
_MEMORY_RE = re.compile(r"^[1-9][0-9]*[kmgtp]?b?$", re.IGNORECASE)
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class PipelineSettings:
    """Everything that shapes a spark-submit of one job; defaults are the deployed layout."""

    conn_id: str = "spark_default"
    jar: str = DEPLOYED_JAR
    conf_file: str = DEPLOYED_CONF
    # Client mode by default: jar and conf file are paths on the Airflow worker.
    deploy_mode: str = "client"
    spark_conf: Mapping[str, str] = field(default_factory=_frozen)
    executor_memory: str = "4g"
    executor_cores: int = 2
    driver_memory: str = "2g"
    driver_cores: int = 1
    num_executors: int = 4
    set_overrides: Mapping[str, str] = field(default_factory=_frozen)
    input_path_template: str = DEFAULT_INPUT_PATH_TEMPLATE

    @classmethod
    def from_variables(cls, get: VariableGetter) -> PipelineSettings:
        """Build settings from Airflow Variables; missing ones keep the defaults.

        Raises ValueError naming the Variable when a value is malformed.
        """
        d = cls()
        return cls(
            conn_id=_non_empty(Var.CONN_ID, get(Var.CONN_ID, d.conn_id)),
            jar=_non_empty(Var.JAR, get(Var.JAR, d.jar)),
            conf_file=_non_empty(Var.CONF, get(Var.CONF, d.conf_file)),
            deploy_mode=_deploy_mode(get(Var.DEPLOY_MODE, d.deploy_mode)),
            spark_conf=_json_object(Var.SPARK_CONF, get(Var.SPARK_CONF, None)),
            executor_memory=_memory(Var.EXECUTOR_MEMORY, get(Var.EXECUTOR_MEMORY, d.executor_memory)),
            executor_cores=_positive_int(Var.EXECUTOR_CORES, get(Var.EXECUTOR_CORES, d.executor_cores)),
            driver_memory=_memory(Var.DRIVER_MEMORY, get(Var.DRIVER_MEMORY, d.driver_memory)),
            driver_cores=_positive_int(Var.DRIVER_CORES, get(Var.DRIVER_CORES, d.driver_cores)),
            num_executors=_positive_int(Var.NUM_EXECUTORS, get(Var.NUM_EXECUTORS, d.num_executors)),
            set_overrides=_json_object(Var.SET_OVERRIDES, get(Var.SET_OVERRIDES, None)),
            input_path_template=_input_template(get(Var.INPUT_PATH, d.input_path_template)),
        )


def variable_defaults() -> dict[str, str]:
    """Each Variable name with its default, as the string one would store in Airflow."""
    d = PipelineSettings()
    return {
        Var.CONN_ID: d.conn_id,
        Var.JAR: d.jar,
        Var.CONF: d.conf_file,
        Var.DEPLOY_MODE: d.deploy_mode,
        Var.SPARK_CONF: "{}",
        Var.EXECUTOR_MEMORY: d.executor_memory,
        Var.EXECUTOR_CORES: str(d.executor_cores),
        Var.DRIVER_MEMORY: d.driver_memory,
        Var.DRIVER_CORES: str(d.driver_cores),
        Var.NUM_EXECUTORS: str(d.num_executors),
        Var.SET_OVERRIDES: "{}",
        Var.INPUT_PATH: d.input_path_template,
    }


def env_variable_getter(environ: Mapping[str, str] | None = None) -> VariableGetter:
    """Getter over AIRFLOW_VAR_<NAME> environment variables, Airflow's own env-var backend.

    Used at DAG parse time because it never touches the metadata database.
    """
    env = os.environ if environ is None else environ

    def get(name: str, default: Any) -> Any:
        return env.get(f"AIRFLOW_VAR_{name.upper()}", default)

    return get


def runtime_templated(settings: PipelineSettings) -> PipelineSettings:
    """Copy of settings whose run-time fields are Jinja Variable lookups.

    The parse-time value becomes the template's default, so an unset Variable
    renders exactly what a dry run prints.
    """
    return dataclasses.replace(
        settings,
        jar=_var_template(Var.JAR, settings.jar),
        conf_file=_var_template(Var.CONF, settings.conf_file),
        input_path_template=_var_template(Var.INPUT_PATH, settings.input_path_template),
    )


def application_args(date: str, settings: PipelineSettings) -> list[str]:
    """Arguments after the jar: --date, --conf and one --set per override."""
    args = ["--date", date, "--conf", settings.conf_file]
    for key, value in settings.set_overrides.items():
        args += ["--set", f"{key}={value}"]
    return args


def spark_conf(settings: PipelineSettings) -> dict[str, str]:
    """--conf properties. Driver cores has no operator kwarg, so it goes here (cluster mode only)."""
    conf = {"spark.driver.cores": str(settings.driver_cores)}
    conf.update(settings.spark_conf)
    return conf


def spark_submit_operator_kwargs(
    task: Job | str, settings: PipelineSettings, date: str = "{{ ds }}"
) -> dict[str, Any]:
    """Keyword arguments for SparkSubmitOperator running one job for `date`."""
    job = _job(task)
    return {
        "task_id": job.task_id,
        "application": settings.jar,
        "java_class": job.java_class,
        "conn_id": settings.conn_id,
        "application_args": application_args(date, settings),
        "conf": spark_conf(settings),
        "name": f"customer-path-{job.task_id}-{date}",
        "deploy_mode": settings.deploy_mode,
        "executor_memory": settings.executor_memory,
        "executor_cores": settings.executor_cores,
        "driver_memory": settings.driver_memory,
        "num_executors": settings.num_executors,
        "verbose": False,
    }


def spark_submit_command(
    task: Job | str, settings: PipelineSettings, date: str, master: str = "yarn"
) -> list[str]:
    """The argv SparkSubmitHook would run for this job and date.

    Flag order follows the hook. `master` comes from the Spark connection at run
    time (the hook falls back to yarn), so it is a parameter here.
    """
    _check_date(date)
    kw = spark_submit_operator_kwargs(task, settings, date)
    argv = [SPARK_BINARY, "--master", master]
    for key, value in kw["conf"].items():
        argv += ["--conf", f"{key}={value}"]
    argv += [
        "--num-executors", str(kw["num_executors"]),
        "--executor-cores", str(kw["executor_cores"]),
        "--executor-memory", kw["executor_memory"],
        "--driver-memory", kw["driver_memory"],
        "--name", kw["name"],
        "--class", kw["java_class"],
        "--deploy-mode", kw["deploy_mode"],
        kw["application"],
    ]  # fmt: skip
    return argv + kw["application_args"]


# --- Exit codes (README, "Exit codes") ---------------------------------------

EXIT_CODES: Mapping[int, str] = {
    0: "success",
    1: "internal error",
    2: "configuration or usage error",
    3: "input error",
    4: "data-quality threshold exceeded",
    5: "another run holds the lock",
}
# A config error or a data-quality failure gives the same result on a retry; an input that
# is late or being rewritten, a lock held by the previous night and internal (often
# transient: lost executors, throttling) errors are worth another try.
RETRYABLE_EXIT_CODES = frozenset({1, 3, 5})
# SparkSubmitHook: "Cannot execute: <cmd>. Error code is: <n>."
_EXIT_CODE_RE = re.compile(r"Error code is: (\d+)")


def exit_code_from_error(message: str) -> int | None:
    """The spark-submit exit code named in a SparkSubmitHook failure, if any."""
    found = _EXIT_CODE_RE.findall(message or "")
    return int(found[-1]) if found else None


def should_retry(exit_code: int | None) -> bool:
    """Whether Airflow should retry a task that ended with this exit code (unknown: yes)."""
    return exit_code is None or exit_code in RETRYABLE_EXIT_CODES or exit_code not in EXIT_CODES


def input_check_path(settings: PipelineSettings, date: str) -> str:
    """The night's input path that must exist before ingest runs."""
    return format_input_path(settings.input_path_template, date)


def format_input_path(template: str, date: str) -> str:
    # str.replace, not str.format: other braces in a path must stay literal.
    return template.replace(DATE_PLACEHOLDER, date)


def input_sensor_kind(path: str) -> str:
    """How the input sensor checks a path: "s3" (S3KeySensor), "hdfs" (hadoop fs) or "local"."""
    if path.startswith(("s3a://", "s3n://", "s3://")):
        return "s3"
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", path) and not path.startswith("file://"):
        return "hdfs"  # hdfs://, viewfs://, abfs:// ...: whatever the worker's hadoop client reads
    return "local"


def s3_bucket_key(path: str) -> str:
    """The S3KeySensor bucket_key (wildcard_match=True) that matches any data object under path."""
    rest = path.split("://", 1)[1].rstrip("/")
    return f"s3://{rest}" if glob.has_magic(rest) else f"s3://{rest}/[!_.]*"


def inputs_ready(path_template: str, date: str) -> bool:
    """Sensor check: the night's input exists (glob allowed) and is not an empty directory."""
    path = format_input_path(path_template, date)
    if input_sensor_kind(path) == "hdfs":
        return hadoop_has_data(path)
    matches = glob.glob(path) if glob.has_magic(path) else [path]
    return any(_has_data(p) for p in matches)


def hadoop_has_data(path: str, run: Callable[..., Any] | None = None) -> bool:
    """`hadoop fs -ls -C path` lists at least one entry that is not hidden ('_' or '.')."""
    import subprocess

    run = run or subprocess.run
    result = run(["hadoop", "fs", "-ls", "-C", path], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return False  # missing path (or no access: the log shows hadoop's message)
    names = [line.rstrip("/").rsplit("/", 1)[-1] for line in result.stdout.splitlines() if line.strip()]
    return any(not name.startswith((".", "_")) for name in names)


def _has_data(path: str) -> bool:
    if os.path.isfile(path):
        return True
    if not os.path.isdir(path):
        return False
    # Skip '.'/'_' entries (Hadoop hidden files): a directory holding only
    # _temporary or .crc files is still being written.
    return any(not name.startswith((".", "_")) for name in os.listdir(path))


# --- Variable value parsing -------------------------------------------------


def _bad(name: str, value: Any, expected: str) -> ValueError:
    return ValueError(f"Airflow Variable '{name}' must be {expected}; got {value!r}")


def _non_empty(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(name, value, "a non-empty string")
    return value.strip()


def _deploy_mode(value: Any) -> str:
    mode = str(value).strip().lower()
    if mode not in DEPLOY_MODES:
        raise _bad(Var.DEPLOY_MODE, value, f"one of {', '.join(DEPLOY_MODES)}")
    return mode


def _memory(name: str, value: Any) -> str:
    text = str(value).strip()
    if not _MEMORY_RE.match(text):
        raise _bad(name, value, "a Spark memory size such as 512m or 4g")
    return text


def _positive_int(name: str, value: Any) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise _bad(name, value, "a positive integer") from None
    if number < 1:
        raise _bad(name, value, "a positive integer")
    return number


def _json_object(name: str, value: Any) -> Mapping[str, str]:
    """A JSON object of scalar values (or an already-decoded dict), as str -> str."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return _frozen()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as err:
            raise ValueError(f"Airflow Variable '{name}' is not valid JSON: {err}") from err
    if not isinstance(value, dict):
        raise _bad(name, value, 'a JSON object like {"key": "value"}')
    for key, item in value.items():
        if not key or isinstance(item, (dict, list)) or item is None:
            raise _bad(name, value, "a JSON object of non-empty keys and scalar values")
    return _frozen({str(k): _scalar(v) for k, v in value.items()})


def _scalar(value: Any) -> str:
    # JSON true/false must reach Spark as true/false, not Python's True/False.
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _input_template(value: Any) -> str:
    text = _non_empty(Var.INPUT_PATH, value)
    if DATE_PLACEHOLDER not in text:
        raise _bad(Var.INPUT_PATH, value, f"a path containing {DATE_PLACEHOLDER}")
    return text


def _var_template(name: str, default: str) -> str:
    # json.dumps gives a double-quoted literal Jinja accepts, escaping quotes safely.
    return "{{ var.value.get('%s', %s) }}" % (name, json.dumps(default))


def _job(task: Job | str) -> Job:
    if isinstance(task, Job):
        return task
    try:
        return JOBS_BY_ID[task]
    except KeyError:
        raise ValueError(f"Unknown task {task!r}; expected one of {', '.join(JOBS_BY_ID)}") from None


def _check_date(date: str) -> None:
    try:
        if not _ISO_DATE_RE.match(date):
            raise ValueError("wrong format")
        Date.fromisoformat(date)  # also rejects 2026-02-30
    except ValueError:
        raise ValueError(f"date must be a calendar date as YYYY-MM-DD; got {date!r}") from None


# --- Dry-run CLI --------------------------------------------------------------


def _parse_cli(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 -m customer_path.commands",
        description="Print the spark-submit argv of every task of the nightly DAG for one date. "
        "Settings come from AIRFLOW_VAR_CUSTOMER_PATH_* environment variables, else defaults.",
    )
    parser.add_argument("--date", required=True, help="logical date, YYYY-MM-DD")
    parser.add_argument("--master", default="yarn", help="Spark master of the connection (default: yarn)")
    parser.add_argument(
        "--repo",
        metavar="REPO_ROOT",
        help="use the repo's jar and conf/local.conf instead of the deployed paths",
    )
    parser.add_argument("--task", choices=list(JOBS_BY_ID), help="only this task")
    parser.add_argument("--json", action="store_true", help="print JSON instead of shell lines")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_cli(argv)
    try:
        settings = PipelineSettings.from_variables(env_variable_getter())
        if args.repo:
            root = os.path.abspath(args.repo)
            settings = dataclasses.replace(
                settings,
                jar=os.path.join(root, REPO_JAR),
                conf_file=os.path.join(root, REPO_CONF_FILES[0]),
            )
        jobs = [JOBS_BY_ID[args.task]] if args.task else list(JOBS)
        commands = {j.task_id: spark_submit_command(j, settings, args.date, args.master) for j in jobs}
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"input_check_path": input_check_path(settings, args.date), **commands}, indent=2))
        return 0
    print(f"# {INPUT_SENSOR_TASK_ID}: {input_check_path(settings, args.date)}")
    for task_id, command in commands.items():
        print(f"# {task_id}\n{shlex.join(command)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
