package org.attnzoo.zoo;

import java.util.Locale;

/** The variant table as Markdown: the README's table is this text (a test keeps them equal). */
public final class VariantTable {

  /** Marks the start of the generated table in README.md. */
  public static final String BEGIN =
      "<!-- variants:begin (generated: scripts/attnzoo list --markdown) -->";

  /** Marks the end of the generated table in README.md. */
  public static final String END = "<!-- variants:end -->";

  private VariantTable() {}

  /**
   * @return one Markdown row per variant, with a header
   */
  public static String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| variant | family | params | GMACs | ImageNet top-1 | input | source"
            + " | shipped Fashion-MNIST weights: test acc. |\n");
    sb.append("|---|---|---:|---:|---:|---|---|---:|\n");
    for (Variant v : Variants.ALL) {
      Reference r = v.reference();
      var in = v.config().inputShape();
      sb.append(
          String.format(
              Locale.ROOT,
              "| `%s` | %s | %,d | %s | %s | %dx%dx%d | %s | %s |%n",
              v.name(),
              v.family(),
              r.params(),
              r.gmacs() == null ? "-" : String.format(Locale.ROOT, "%.2f", r.gmacs()),
              r.top1() == null ? "-" : String.format(Locale.ROOT, "%.2f", r.top1()),
              in.get(0),
              in.get(1),
              in.get(2),
              r.source(),
              ShippedModels.find(v.name(), "fashion-mnist")
                  .map(s -> String.format(Locale.ROOT, "%.2f%%", 100 * s.testAccuracy()))
                  .orElse("-")));
    }
    return sb.toString();
  }
}
