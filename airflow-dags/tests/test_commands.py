"""Tests for customer_path.commands and the nightly DAG file (no airflow import).

Run from the repo root:
    python3 -m unittest discover -s airflow-dags/tests -t airflow-dags -v
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any

DAGS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = DAGS_DIR.parent
DAG_FILE = DAGS_DIR / "customer_path_nightly.py"
JAVA_SRC = REPO_ROOT / "jobs" / "src" / "main" / "java"

# discover -t airflow-dags already puts it on sys.path; this keeps single-file runs working.
if str(DAGS_DIR) not in sys.path:
    sys.path.insert(0, str(DAGS_DIR))

from customer_path import commands as c  # noqa: E402
from customer_path.commands import JOBS, PipelineSettings, Var  # noqa: E402

DATE = "2026-06-30"
JAR = "/opt/customer-path/customer-path-app.jar"
CONF = "/opt/customer-path/conf/cluster.conf"


def getter(values: dict[str, Any]) -> c.VariableGetter:
    """A Variable.get stand-in over a dict."""
    return lambda name, default: values.get(name, default)


def expected_argv(task_id: str, java_class: str) -> list[str]:
    return [
        "spark-submit", "--master", "yarn",
        "--conf", "spark.driver.cores=1",
        "--num-executors", "4",
        "--executor-cores", "2",
        "--executor-memory", "4g",
        "--driver-memory", "2g",
        "--name", f"customer-path-{task_id}-{DATE}",
        "--class", java_class,
        "--deploy-mode", "client",
        JAR,
        "--date", DATE, "--conf", CONF,
    ]  # fmt: skip


class SubmitCommandTest(unittest.TestCase):
    def test_exact_argv_of_every_task_for_a_date(self) -> None:
        classes = {
            "ingest": "com.customerpath.jobs.ingest.IngestJob",
            "features": "com.customerpath.jobs.features.FeaturesJob",
            "personas": "com.customerpath.jobs.personas.PersonasJob",
            "journey": "com.customerpath.jobs.journey.JourneyJob",
            "churn": "com.customerpath.jobs.churn.ChurnJob",
            "recommendations": "com.customerpath.jobs.recommend.RecommendationsJob",
            "report": "com.customerpath.jobs.report.ReportJob",
        }
        self.assertEqual(list(classes), [job.task_id for job in JOBS])
        for task_id, java_class in classes.items():
            with self.subTest(task=task_id):
                self.assertEqual(
                    c.spark_submit_command(task_id, PipelineSettings(), DATE),
                    expected_argv(task_id, java_class),
                )

    def test_overrides_spark_conf_and_master_in_argv(self) -> None:
        settings = PipelineSettings.from_variables(
            getter(
                {
                    Var.SPARK_CONF: '{"spark.sql.shuffle.partitions": 64, "spark.speculation": false}',
                    Var.SET_OVERRIDES: '{"pipeline.personas.k": "8", "io.format": "parquet"}',
                    Var.DEPLOY_MODE: "cluster",
                }
            )
        )
        argv = c.spark_submit_command("personas", settings, DATE, master="spark://m:7077")
        self.assertEqual(argv[:3], ["spark-submit", "--master", "spark://m:7077"])
        self.assertEqual(
            argv[3:9],
            ["--conf", "spark.driver.cores=1", "--conf", "spark.sql.shuffle.partitions=64",
             "--conf", "spark.speculation=false"],
        )  # fmt: skip
        self.assertIn("cluster", argv)
        self.assertEqual(
            argv[-8:],
            ["--date", DATE, "--conf", CONF,
             "--set", "pipeline.personas.k=8", "--set", "io.format=parquet"],
        )  # fmt: skip

    def test_application_args(self) -> None:
        self.assertEqual(c.application_args(DATE, PipelineSettings()), ["--date", DATE, "--conf", CONF])

    def test_operator_kwargs_are_templated_for_the_dag(self) -> None:
        kwargs = c.spark_submit_operator_kwargs("ingest", c.runtime_templated(PipelineSettings()))
        self.assertEqual(kwargs["task_id"], "ingest")
        self.assertEqual(kwargs["java_class"], "com.customerpath.jobs.ingest.IngestJob")
        self.assertEqual(kwargs["conn_id"], "spark_default")
        self.assertEqual(kwargs["application"], "{{ var.value.get('customer_path_jar', \"%s\") }}" % JAR)
        self.assertEqual(
            kwargs["application_args"],
            ["--date", "{{ ds }}", "--conf", "{{ var.value.get('customer_path_conf', \"%s\") }}" % CONF],
        )
        self.assertEqual(kwargs["name"], "customer-path-ingest-{{ ds }}")
        self.assertEqual(kwargs["conf"], {"spark.driver.cores": "1"})
        self.assertEqual(
            {k: kwargs[k] for k in ("executor_memory", "driver_memory", "executor_cores", "num_executors")},
            {"executor_memory": "4g", "driver_memory": "2g", "executor_cores": 2, "num_executors": 4},
        )
        self.assertEqual(kwargs["deploy_mode"], "client")
        self.assertIs(kwargs["verbose"], False)

    def test_operator_kwargs_only_use_spark_submit_operator_parameters(self) -> None:
        allowed = {
            "task_id", "application", "java_class", "conn_id", "application_args", "conf", "name",
            "deploy_mode", "executor_memory", "executor_cores", "driver_memory", "num_executors", "verbose",
        }  # fmt: skip
        self.assertEqual(set(c.spark_submit_operator_kwargs("report", PipelineSettings())), allowed)

    def test_bad_date_and_unknown_task_are_rejected(self) -> None:
        for bad in ("2026-6-30", "20260630", "2026-02-30", "{{ ds }}"):
            with self.subTest(date=bad), self.assertRaisesRegex(ValueError, "date"):
                c.spark_submit_command("ingest", PipelineSettings(), bad)
        with self.assertRaisesRegex(ValueError, "Unknown task 'nope'"):
            c.spark_submit_command("nope", PipelineSettings(), DATE)


class DependencyTest(unittest.TestCase):
    def test_chain_order(self) -> None:
        ids = [job.task_id for job in JOBS]
        self.assertEqual(ids, ["ingest", "features", "personas", "journey", "churn", "recommendations", "report"])
        # Every upstream runs earlier (the catalog's order is a topological order), and every task
        # but ingest waits for something. churn reads only curated transactions, so it may run beside
        # personas and journey.
        for i, job in enumerate(JOBS):
            for up in job.upstream:
                self.assertIn(up, ids[:i], f"{job.task_id} depends on {up}, which does not run before it")
            if i > 0:
                self.assertTrue(len(job.upstream) > 0, f"{job.task_id} has no upstream")

    def test_declared_needs(self) -> None:
        by_id = c.JOBS_BY_ID
        self.assertEqual(by_id["ingest"].upstream, ())
        self.assertIn("personas", by_id["journey"].upstream)
        self.assertIn("ingest", by_id["churn"].upstream)
        self.assertTrue({"personas", "journey", "churn"} <= set(by_id["recommendations"].upstream))
        self.assertEqual(set(by_id["report"].upstream), set(by_id) - {"report"})

    def test_report_is_the_last_task(self) -> None:
        # The report step writes run_manifest and the run's HTML page (report/dt=D/index.html):
        # it must run after every other job and be the DAG's only sink.
        self.assertEqual(JOBS[-1].task_id, "report")
        self.assertEqual(JOBS[-1].java_class, "com.customerpath.jobs.report.ReportJob")
        upstreams = {up for job in JOBS for up in job.upstream}
        self.assertEqual([job.task_id for job in JOBS if job.task_id not in upstreams], ["report"])

    def test_upstreams_come_earlier(self) -> None:
        seen: set[str] = set()
        for job in JOBS:
            self.assertTrue(set(job.upstream) <= seen, f"{job.task_id} needs a later or unknown task")
            seen.add(job.task_id)
        self.assertEqual(len(seen), len(JOBS), "duplicate task ids")


class VariablesTest(unittest.TestCase):
    def test_no_variables_gives_defaults(self) -> None:
        self.assertEqual(PipelineSettings.from_variables(getter({})), PipelineSettings())

    def test_documented_defaults_round_trip(self) -> None:
        defaults = c.variable_defaults()
        self.assertEqual(PipelineSettings.from_variables(getter(defaults)), PipelineSettings())
        self.assertEqual(defaults[Var.CONN_ID], "spark_default")
        self.assertEqual(defaults[Var.JAR], JAR)
        self.assertEqual(defaults[Var.CONF], CONF)

    def test_variables_override_defaults(self) -> None:
        settings = PipelineSettings.from_variables(
            getter(
                {
                    Var.CONN_ID: "spark_prod",
                    Var.JAR: "/apps/cp.jar",
                    Var.CONF: "/etc/cp/cluster.conf",
                    Var.DEPLOY_MODE: "Cluster",
                    Var.SPARK_CONF: '{"spark.sql.shuffle.partitions": "400"}',
                    Var.EXECUTOR_MEMORY: "8G",
                    Var.EXECUTOR_CORES: "4",
                    Var.DRIVER_MEMORY: "3072m",
                    Var.DRIVER_CORES: 2,
                    Var.NUM_EXECUTORS: " 10 ",
                    Var.SET_OVERRIDES: {"a.b": 1},
                    Var.INPUT_PATH: "/landing/tx/{date}/*.csv",
                }
            )
        )
        self.assertEqual(
            settings,
            PipelineSettings(
                conn_id="spark_prod",
                jar="/apps/cp.jar",
                conf_file="/etc/cp/cluster.conf",
                deploy_mode="cluster",
                spark_conf={"spark.sql.shuffle.partitions": "400"},
                executor_memory="8G",
                executor_cores=4,
                driver_memory="3072m",
                driver_cores=2,
                num_executors=10,
                set_overrides={"a.b": "1"},
                input_path_template="/landing/tx/{date}/*.csv",
            ),
        )

    def test_env_getter_reads_airflow_var_environment(self) -> None:
        get = c.env_variable_getter({"AIRFLOW_VAR_CUSTOMER_PATH_NUM_EXECUTORS": "7"})
        settings = PipelineSettings.from_variables(get)
        self.assertEqual(settings.num_executors, 7)
        self.assertEqual(settings.jar, JAR)

    def test_settings_are_immutable(self) -> None:
        settings = PipelineSettings.from_variables(getter({Var.SPARK_CONF: '{"k": "v"}'}))
        with self.assertRaises(AttributeError):
            settings.jar = "x"  # type: ignore[misc]
        with self.assertRaises(TypeError):
            settings.spark_conf["k"] = "w"  # type: ignore[index]

    def test_bad_values_name_the_variable(self) -> None:
        cases = {
            Var.SPARK_CONF: ('{"spark.a": 1,}', "not valid JSON"),
            Var.SET_OVERRIDES: ('["a=b"]', "JSON object"),
            Var.EXECUTOR_MEMORY: ("lots", "memory size"),
            Var.DRIVER_MEMORY: ("0g", "memory size"),
            Var.NUM_EXECUTORS: ("four", "positive integer"),
            Var.EXECUTOR_CORES: ("0", "positive integer"),
            Var.DEPLOY_MODE: ("yarn", "client, cluster"),
            Var.INPUT_PATH: ("/data/tx/today", "{date}"),
            Var.JAR: ("  ", "non-empty string"),
            Var.CONN_ID: ("", "non-empty string"),
        }
        for name, (value, reason) in cases.items():
            with self.subTest(variable=name):
                with self.assertRaises(ValueError) as ctx:
                    PipelineSettings.from_variables(getter({name: value}))
                self.assertIn(f"'{name}'", str(ctx.exception))
                self.assertIn(reason, str(ctx.exception))

    def test_nested_spark_conf_values_are_rejected(self) -> None:
        with self.assertRaisesRegex(ValueError, "customer_path_spark_conf.*scalar"):
            PipelineSettings.from_variables(getter({Var.SPARK_CONF: '{"spark.a": {"b": 1}}'}))

    def test_runtime_templated_keeps_parse_time_values_as_defaults(self) -> None:
        settings = c.runtime_templated(PipelineSettings(jar='/a "quoted"/x.jar'))
        self.assertEqual(settings.jar, "{{ var.value.get('customer_path_jar', \"/a \\\"quoted\\\"/x.jar\") }}")
        self.assertEqual(
            settings.input_path_template,
            "{{ var.value.get('customer_path_input_path', \"%s\") }}" % c.DEFAULT_INPUT_PATH_TEMPLATE,
        )
        self.assertEqual(set(c.RUNTIME_VARIABLES), {Var.JAR, Var.CONF, Var.INPUT_PATH})


class InputCheckTest(unittest.TestCase):
    def test_input_check_path(self) -> None:
        self.assertEqual(
            c.input_check_path(PipelineSettings(), DATE),
            f"s3a://customer-path/input/transactions/dt={DATE}",
        )

    def test_inputs_ready(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            template = os.path.join(tmp, "dt={date}")
            night = Path(tmp, f"dt={DATE}")
            self.assertFalse(c.inputs_ready(template, DATE), "missing directory")
            night.mkdir()
            self.assertFalse(c.inputs_ready(template, DATE), "empty directory")
            (night / "_temporary").mkdir()
            (night / ".part.crc").write_text("")
            self.assertFalse(c.inputs_ready(template, DATE), "only hidden entries")
            (night / "part-0000.csv").write_text("id\n")
            self.assertTrue(c.inputs_ready(template, DATE))
            self.assertTrue(c.inputs_ready(os.path.join(tmp, "dt={date}", "*.csv"), DATE), "glob")
            self.assertFalse(c.inputs_ready(os.path.join(tmp, "dt={date}", "*.json"), DATE), "glob")
            self.assertFalse(c.inputs_ready(template, "2026-07-01"), "other night")


class CliTest(unittest.TestCase):
    def run_cli(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = c.main(list(argv))
        return code, out.getvalue(), err.getvalue()

    def test_prints_every_task(self) -> None:
        code, out, _ = self.run_cli("--date", DATE)
        self.assertEqual(code, 0)
        for job in JOBS:
            self.assertIn(f"# {job.task_id}\n", out)
        self.assertIn(" ".join(expected_argv("report", "com.customerpath.jobs.report.ReportJob")), out)

    def test_bad_date_exits_2(self) -> None:
        code, _, err = self.run_cli("--date", "30/06/2026")
        self.assertEqual(code, 2)
        self.assertIn("YYYY-MM-DD", err)


class RepoConsistencyTest(unittest.TestCase):
    """Names in JOBS and the settings must exist in the repo (airflow-dags/..)."""

    def setUp(self) -> None:
        if not JAVA_SRC.is_dir():
            self.skipTest(f"{JAVA_SRC.relative_to(REPO_ROOT)} does not exist yet (jobs written in parallel)")

    def test_every_job_class_has_a_java_source(self) -> None:
        classes = [job.java_class for job in JOBS] + [c.NIGHTLY_PIPELINE_CLASS]
        missing = [k for k in classes if not (JAVA_SRC / (k.replace(".", "/") + ".java")).is_file()]
        self.assertEqual(missing, [], f"no Java source under {JAVA_SRC} for these classes")

    def test_every_conf_file_exists(self) -> None:
        names = list(c.REPO_CONF_FILES)
        self.assertIn("conf/" + Path(PipelineSettings().conf_file).name, names)
        missing = [n for n in names if not (REPO_ROOT / n).is_file()]
        self.assertEqual(missing, [], f"missing conf files under {REPO_ROOT}")


class DocsTest(unittest.TestCase):
    def test_variables_table_lists_every_variable_with_its_default(self) -> None:
        doc = (REPO_ROOT / "docs" / "airflow.md").read_text(encoding="utf-8")
        for name, default in c.variable_defaults().items():
            with self.subTest(variable=name):
                self.assertIn(f"| `{name}` | `{default}` |", doc)


class DagFileTest(unittest.TestCase):
    """Static checks of the DAG file with ast: it imports airflow, so it is never imported here."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.tree = ast.parse(DAG_FILE.read_text(encoding="utf-8"), filename=str(DAG_FILE))
        cls.calls = [n for n in ast.walk(cls.tree) if isinstance(n, ast.Call)]

    def calls_to(self, name: str) -> list[ast.Call]:
        return [n for n in self.calls if isinstance(n.func, ast.Name) and n.func.id == name]

    @staticmethod
    def keywords(call: ast.Call) -> dict[str, ast.expr]:
        return {k.arg: k.value for k in call.keywords if k.arg}

    def test_dag_arguments(self) -> None:
        (dag,) = self.calls_to("DAG")
        kw = self.keywords(dag)
        self.assertEqual(ast.literal_eval(kw["dag_id"]), c.DAG_ID)
        self.assertIs(ast.literal_eval(kw["catchup"]), True)
        self.assertEqual(ast.literal_eval(kw["max_active_runs"]), 1)
        self.assertIn("start_date", kw)
        schedule = kw["schedule"]
        self.assertIsInstance(schedule, ast.Call)
        self.assertEqual(ast.literal_eval(schedule.args[0]), "@daily")  # type: ignore[attr-defined]

    def test_default_args(self) -> None:
        assign = next(
            n for n in self.tree.body
            if isinstance(n, (ast.Assign, ast.AnnAssign)) and ast.unparse(n).startswith("DEFAULT_ARGS")
        )  # fmt: skip
        values = {ast.literal_eval(k): ast.unparse(v) for k, v in zip(assign.value.keys, assign.value.values)}
        self.assertEqual(values["retries"], "3")
        self.assertEqual(values["retry_delay"], "timedelta(minutes=10)")
        self.assertEqual(values["retry_exponential_backoff"], "True")
        self.assertEqual(values["max_retry_delay"], "timedelta(hours=1)")

    def test_spark_tasks_match_jobs(self) -> None:
        tasks = self.calls_to("spark_task")
        self.assertEqual([ast.literal_eval(t.args[0]) for t in tasks], [j.task_id for j in JOBS])
        past = {ast.literal_eval(t.args[0]) for t in tasks if "depends_on_past" in self.keywords(t)}
        self.assertEqual(past, {"ingest"})
        self.assertEqual(len(self.calls_to("CustomerPathSparkSubmitOperator")), 1, "one operator factory")

    def test_input_sensor(self) -> None:
        (sensor,) = self.calls_to("PythonSensor")
        kw = self.keywords(sensor)
        self.assertEqual(ast.unparse(kw["task_id"]), "INPUT_SENSOR_TASK_ID")
        self.assertEqual(ast.unparse(kw["python_callable"]), "inputs_ready")
        self.assertEqual(ast.literal_eval(kw["mode"]), "reschedule")
        self.assertIn("timeout", kw)
        self.assertIn("poke_interval", kw)
        self.assertIn("wait_for_inputs >> ingest", ast.unparse(self.tree))

    def test_operator_imports(self) -> None:
        imported = {
            (n.module, a.name) for n in ast.walk(self.tree) if isinstance(n, ast.ImportFrom) for a in n.names
        }
        self.assertIn(("airflow.providers.apache.spark.operators.spark_submit", "SparkSubmitOperator"), imported)
        self.assertIn(("airflow.providers.standard.sensors.python", "PythonSensor"), imported)

    def test_no_variable_get_at_parse_time(self) -> None:
        names = {n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)}
        imported = {a.name for n in ast.walk(self.tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        self.assertNotIn("Variable", names | imported)


if __name__ == "__main__":
    unittest.main()


class ExitCodeRetryTest(unittest.TestCase):
    def test_exit_code_is_read_from_the_spark_submit_hook_message(self) -> None:
        msg = "Cannot execute: spark-submit --master yarn ... --date 2026-06-30. Error code is: 2."
        self.assertEqual(2, c.exit_code_from_error(msg))
        self.assertIsNone(c.exit_code_from_error("Task received SIGTERM"))

    def test_config_and_data_quality_errors_are_not_retried(self) -> None:
        self.assertFalse(c.should_retry(2))
        self.assertFalse(c.should_retry(4))
        for code in (1, 3, 5, None, 137):
            self.assertTrue(c.should_retry(code), code)

    def test_exit_codes_match_the_java_runner_and_the_readme(self) -> None:
        runner = (JAVA_SRC / "com" / "customerpath" / "jobs" / "runtime" / "JobRunner.java").read_text()
        readme = (REPO_ROOT / "README.md").read_text()
        for code in c.EXIT_CODES:
            if code:
                self.assertRegex(runner, rf"public static final int [A-Z_]+ = {code};")
                self.assertIn(f"| {code} |", readme)

    def test_dag_uses_the_retry_policy_operator(self) -> None:
        tree = ast.parse(DAG_FILE.read_text())
        classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
        self.assertIn("CustomerPathSparkSubmitOperator", [k.name for k in classes])
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        self.assertTrue({"should_retry", "AirflowFailException", "CustomerPathSparkSubmitOperator"} <= names)


class InputSensorTest(unittest.TestCase):
    def test_kind_follows_the_scheme(self) -> None:
        self.assertEqual("s3", c.input_sensor_kind("s3a://b/input/transactions/dt=2026-06-30"))
        self.assertEqual("hdfs", c.input_sensor_kind("hdfs:///data/in/dt=2026-06-30"))
        self.assertEqual("local", c.input_sensor_kind("/data/in/dt=2026-06-30"))

    def test_s3_bucket_key_matches_data_objects_under_the_prefix(self) -> None:
        self.assertEqual("s3://b/input/dt=2026-06-30/[!_.]*", c.s3_bucket_key("s3a://b/input/dt=2026-06-30/"))
        self.assertEqual("s3://b/in/*.csv", c.s3_bucket_key("s3a://b/in/*.csv"))

    def test_hdfs_check_runs_hadoop_fs_and_skips_hidden_entries(self) -> None:
        calls = []

        def fake(out: str, rc: int = 0) -> Any:
            def run(cmd: list[str], **_: Any) -> Any:
                calls.append(cmd)
                return type("R", (), {"returncode": rc, "stdout": out})()
            return run

        path = "hdfs:///in/dt=2026-06-30"
        self.assertTrue(c.hadoop_has_data(path, fake(f"{path}/_SUCCESS\n{path}/part-0.csv\n")))
        self.assertEqual(["hadoop", "fs", "-ls", "-C", path], calls[0])
        self.assertFalse(c.hadoop_has_data(path, fake(f"{path}/_temporary\n")))
        self.assertFalse(c.hadoop_has_data(path, fake("", rc=1)), "missing path")

    def test_default_sensor_path_is_under_the_cluster_conf_input_root(self) -> None:
        conf = (REPO_ROOT / "conf" / "cluster.conf").read_text()
        import re as _re

        root = _re.search(r'^\s*input-root\s*=\s*"([^"]+)"', conf, _re.M).group(1)
        self.assertEqual(f"{root}/transactions/dt={{date}}", c.DEFAULT_INPUT_PATH_TEMPLATE)
        self.assertIn('path = ${customerpath.input-root}"/transactions"', conf)
