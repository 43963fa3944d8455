"""Customer Path nightly batch: wait for the night's transactions, then run the Spark jobs.

Every spark-submit is built by customer_path.commands (plain Python, unit-tested,
dry-runnable with `python3 -m customer_path.commands --date YYYY-MM-DD`).

Configuration (see docs/airflow.md):
* jar, conf file and input path are Jinja `var.value` lookups, resolved when the task
  runs, from any Variable backend; editing them needs no DAG re-parse.
* Spark connection, resources, spark conf and --set overrides go into operator
  arguments that are not templated, so they are fixed when the file is parsed. They are
  read from AIRFLOW_VAR_CUSTOMER_PATH_* environment variables (never Variable.get,
  which would query the metadata database on every parse), else the code defaults.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

from customer_path.commands import (
    EXIT_CODES,
    INPUT_SENSOR_TASK_ID,
    JOBS,
    PipelineSettings,
    env_variable_getter,
    exit_code_from_error,
    input_sensor_kind,
    inputs_ready,
    s3_bucket_key,
    runtime_templated,
    should_retry,
    spark_submit_operator_kwargs,
)
from airflow.exceptions import AirflowFailException

try:  # Airflow 3
    from airflow.providers.standard.sensors.python import PythonSensor
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.sensors.python import PythonSensor
try:  # newer Airflow 3 releases export timetables from the task SDK
    from airflow.sdk import CronDataIntervalTimetable
except ImportError:
    from airflow.timetables.interval import CronDataIntervalTimetable

# Env vars only: cheap and DB-free at parse time. Run-time fields become templates.
PARSED_SETTINGS = PipelineSettings.from_variables(env_variable_getter())
SETTINGS = runtime_templated(PARSED_SETTINGS)
# The sensor's kind follows the input path known at parse time (env var or default, the
# night's transactions under conf/cluster.conf's input-root).
INPUT_KIND = input_sensor_kind(PARSED_SETTINGS.input_path_template)

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "customer-path",
    "retries": 3,
    "retry_delay": timedelta(minutes=10),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(hours=1),
    # Only ingest waits for the previous night (set on that task below).
    "depends_on_past": False,
}


class CustomerPathSparkSubmitOperator(SparkSubmitOperator):
    """SparkSubmitOperator that does not retry failures a retry cannot fix (README, "Exit codes").

    The job's exit code reaches Airflow through spark-submit in client deploy mode (the
    default here); in cluster mode spark-submit reports only success or failure.
    """

    def execute(self, context: Any) -> Any:
        try:
            return super().execute(context)
        except AirflowFailException:
            raise
        except Exception as error:
            code = exit_code_from_error(str(error))
            if not should_retry(code):
                raise AirflowFailException(
                    f"exit code {code} ({EXIT_CODES[code]}): not retried, see the task log's ERROR: line"
                ) from error
            raise


def spark_task(task_id: str, **overrides: Any) -> SparkSubmitOperator:
    """One SparkSubmitOperator for a job of JOBS, as customer_path.commands builds it."""
    kwargs = spark_submit_operator_kwargs(task_id, SETTINGS)
    # A hung Spark job would otherwise hold the single active run forever.
    kwargs["execution_timeout"] = timedelta(hours=3)
    kwargs.update(overrides)
    return CustomerPathSparkSubmitOperator(**kwargs)


with DAG(
    dag_id="customer_path_nightly",
    description="Nightly Customer Path Spark pipeline: ingest to report, one partition dt=ds per run",
    # The data-interval flavour of @daily on Airflow 2 and 3 alike: the run for ds=D
    # starts after D ends (plain "@daily" on Airflow 3 would make ds the run day).
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=True,  # runs are idempotent per date, so missed nights are replayed
    max_active_runs=1,  # catch-up goes night by night, oldest first
    default_args=DEFAULT_ARGS,
    tags=["customer-path", "spark"],
    doc_md=__doc__,
) as dag:
    if INPUT_KIND == "s3":
        from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor

        wait_for_inputs = S3KeySensor(
            task_id=INPUT_SENSOR_TASK_ID,
            bucket_key=s3_bucket_key(SETTINGS.input_path_template.replace("{date}", "{{ ds }}")),
            wildcard_match=True,
            aws_conn_id="aws_default",
            mode="reschedule",
            poke_interval=10 * 60,
            timeout=6 * 60 * 60,
        )
    else:  # local files, or hdfs:// through the worker's `hadoop fs`
        wait_for_inputs = PythonSensor(
            task_id=INPUT_SENSOR_TASK_ID,
            python_callable=inputs_ready,
            op_kwargs={"path_template": SETTINGS.input_path_template, "date": "{{ ds }}"},
            mode="reschedule",  # frees the worker slot between pokes
            poke_interval=10 * 60,
            timeout=6 * 60 * 60,  # give up on a night's inputs after 6 h
        )

    # Ingest depends on the previous night so a failed night stops catch-up there
    # instead of silently skipping ahead; downstream jobs are gated by ingest.
    ingest = spark_task("ingest", depends_on_past=True)
    features = spark_task("features")
    personas = spark_task("personas")
    journey = spark_task("journey")
    churn = spark_task("churn")
    recommendations = spark_task("recommendations")
    report = spark_task("report")

    tasks = {t.task_id: t for t in (ingest, features, personas, journey, churn, recommendations, report)}
    wait_for_inputs >> ingest
    for job in JOBS:
        for upstream_id in job.upstream:
            tasks[upstream_id] >> tasks[job.task_id]
