package org.attnzoo.zoo.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.onnx.proto.OnnxMl;
import java.util.LinkedHashMap;
import java.util.Map;
import org.attnzoo.zoo.AttnZoo;
import org.attnzoo.zoo.Labels;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.api.Test;

/** Exported ONNX files carry the variant's preprocessing in {@code metadata_props}. */
class OnnxDataMetadataTest {

  private static Map<String, String> props(OnnxMl.ModelProto model) {
    Map<String, String> out = new LinkedHashMap<>();
    for (OnnxMl.StringStringEntryProto p : model.getMetadataPropsList()) {
      out.put(p.getKey(), p.getValue());
    }
    return out;
  }

  @Test
  void exportedModelCarriesItsDataConfig() throws Exception {
    Variant v = Variants.get("vit_micro_patch4_32");
    try (Model m = AttnZoo.newModel(v, Device.cpu(), null)) {
      Map<String, String> p =
          props(OnnxExporter.toModel(m.getBlock(), v.config().inputShape(), v.name()));
      assertEquals(v.name(), p.get(OnnxExporter.VARIANT));
      assertEquals("1,32,32", p.get("attnzoo.data.input_size"));
      assertEquals("1.0", p.get("attnzoo.data.crop_pct"));
      assertEquals("squash", p.get("attnzoo.data.crop_mode"));
      assertEquals("bilinear", p.get("attnzoo.data.interpolation"));
      assertEquals("0.286", p.get("attnzoo.data.mean"));
      assertEquals("0.353", p.get("attnzoo.data.std"));
      assertEquals("fashion-mnist", p.get("attnzoo.data.label_set"));
      String labels = p.get("attnzoo.data.labels");
      assertTrue(labels.startsWith("[\"" + Labels.of("fashion-mnist").get(0) + "\", "), labels);
    }
  }

  @Test
  void publishedVariantsDescribeTimmsTransform() {
    Map<String, String> p = new LinkedHashMap<>();
    for (OnnxMl.StringStringEntryProto e : OnnxExporter.dataConfigProps("efficientvit_b0")) {
      p.put(e.getKey(), e.getValue());
    }
    assertEquals("3,224,224", p.get("attnzoo.data.input_size"));
    assertEquals("0.95", p.get("attnzoo.data.crop_pct"));
    assertEquals("center", p.get("attnzoo.data.crop_mode"));
    assertEquals("bicubic", p.get("attnzoo.data.interpolation"));
    assertEquals("0.485,0.456,0.406", p.get("attnzoo.data.mean"));
    assertEquals("0.229,0.224,0.225", p.get("attnzoo.data.std"));
    String labels = p.get("attnzoo.data.labels");
    // 1000 JSON strings: 999 separators outside the names
    assertEquals(1000, labels.split("\", \"").length);
    assertEquals(0, OnnxExporter.dataConfigProps("not_a_variant").size());
  }
}
