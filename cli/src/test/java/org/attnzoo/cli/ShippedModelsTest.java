package org.attnzoo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.util.Arrays;
import org.attnzoo.training.TrainingRun;
import org.attnzoo.training.data.Batches;
import org.attnzoo.training.data.Datasets;
import org.attnzoo.training.data.ImageSet;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.ShippedModels;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;

/**
 * The index of shipped models tells the truth: every listed model loads by dataset filter and
 * scores on the shipped test subset (the first 500 of the 10,000 Fashion-MNIST test images) close
 * to the accuracy recorded for the full test set; asking for the dataset alone returns the most
 * accurate.
 */
class ShippedModelsTest {

  @Test
  void everyShippedModelScoresWhatItsIndexClaims() throws Exception {
    assertFalse(ShippedModels.all().isEmpty());
    ImageSet subset = Datasets.fashionMnistSubset().test();
    for (ShippedModels.Shipped s : ShippedModels.all()) {
      assertEquals("fashion-mnist", s.dataset(), s.toString());
      Variant v = Variants.get(s.variant());
      int channels = (int) v.config().inputShape().get(0);
      int side = (int) v.config().inputShape().get(1);
      Batches test = new Batches(subset.fit(channels, side), v.data(), v.config().numClasses());
      Criteria<NDList, NDList> criteria =
          Criteria.builder()
              .setTypes(NDList.class, NDList.class)
              .optGroupId(AttnZoo.GROUP_ID)
              .optArtifactId(s.variant())
              .optFilter("dataset", s.dataset())
              .build();
      try (ZooModel<NDList, NDList> model = criteria.loadModel()) {
        double accuracy = TrainingRun.evaluate(model, test, 100)[1];
        // 500 images: a binomial standard error of about 1.3 points at 90%; 5 points is > 3 sigma.
        assertTrue(
            Math.abs(accuracy - s.testAccuracy()) < 0.05,
            s.variant() + ": " + accuracy + " on the subset vs " + s.testAccuracy() + " recorded");
      }
    }
  }

  @Test
  void datasetAloneSelectsTheMostAccurateModel() throws Exception {
    double best =
        ShippedModels.all().stream()
            .mapToDouble(ShippedModels.Shipped::testAccuracy)
            .max()
            .orElseThrow();
    Criteria<Image, Classifications> criteria =
        Criteria.builder()
            .setTypes(Image.class, Classifications.class)
            .optGroupId(AttnZoo.GROUP_ID)
            .optFilter("dataset", "fashion-mnist")
            .build();
    try (ZooModel<Image, Classifications> model = criteria.loadModel()) {
      ShippedModels.Shipped chosen =
          ShippedModels.find(model.getName(), "fashion-mnist").orElseThrow();
      assertEquals(
          best, chosen.testAccuracy(), 0.0, Arrays.toString(ShippedModels.all().toArray()));
    }
  }
}
