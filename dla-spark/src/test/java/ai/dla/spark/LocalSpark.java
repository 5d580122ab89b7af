package ai.dla.spark;

import org.apache.spark.sql.SparkSession;

/** The tests' Spark: two local threads, the driver on loopback, no UI. */
final class LocalSpark {

    private LocalSpark() {
    }

    static SparkSession start(String name) {
        return SparkSession.builder()
                .appName(name)
                .master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }
}
