"""Fixtures shared by the cross-engine tests."""

import os
import shutil

import pytest


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """A local Spark session (PySpark, its bundled Hive metastore in a temporary folder),
    bound to loopback, started once for the test run."""
    if shutil.which("java") is None:
        pytest.fail("Spark needs a Java runtime (17 or later) on PATH: install one "
                    "(Debian: apt-get install openjdk-17-jre-headless) and run the tests again")
    # Spark binds its driver to loopback only.
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession

    base = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("flowlake-cross-engine")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.warehouse.dir", str(base / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={base / 'derby'}")
        # Hive's metastore cannot parse a filter on a column named with a hyphen
        # (`aws-account-id`, AWS's name): Spark then lists the partitions and filters them
        # itself. docs/querying.md says so.
        .config("spark.sql.hive.metastorePartitionPruningFallbackOnException", "true")
        .enableHiveSupport()
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
