/**
 * Batch inference with the zoo's models on Apache Spark: {@link ai.dla.spark.DlaImagePredictor}
 * adds classes or embeddings to a DataFrame of image bytes, and {@link ai.dla.spark.SparkPredict}
 * is the {@code spark-submit} job that reads folders of images and writes Parquet.
 */
package ai.dla.spark;
