/**
 * attnzoo on Apache Spark: batch classification and embeddings of large image sets. {@link
 * org.attnzoo.spark.ImageClassifier} turns a {@code Dataset<Row>} of images into top-k classes,
 * embeddings and an error column; {@link org.attnzoo.spark.ExecutorModels} keeps one model per
 * executor JVM; {@link org.attnzoo.spark.SparkPredictJob} is the job of {@code attnzoo
 * spark-predict} and of {@code spark-submit}.
 *
 * <p>Depends on the zoo (model loading through {@code Criteria}, preprocessing) and Spark SQL; the
 * zoo knows nothing of Spark.
 */
package org.attnzoo.spark;
