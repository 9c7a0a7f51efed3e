package org.attnzoo.cli;

import java.util.concurrent.Callable;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.VariantTable;
import org.attnzoo.zoo.Variants;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attnzoo list}: the variant table. */
@Command(name = "list", description = "Print the variant table.")
final class ListCommand implements Callable<Integer> {

  @Option(names = "--markdown", description = "print the README's Markdown table")
  boolean markdown;

  @Override
  public Integer call() {
    if (markdown) {
      System.out.print(VariantTable.markdown());
      return 0;
    }
    System.out.printf(
        "%-36s %-13s %12s %8s %7s%n", "variant", "family", "params", "GMACs", "top-1");
    for (Variant v : Variants.ALL) {
      var r = v.reference();
      System.out.printf(
          "%-36s %-13s %12d %8s %7s%n",
          v.name(),
          v.family(),
          r.params(),
          r.gmacs() == null ? "-" : String.format("%.2f", r.gmacs()),
          r.top1() == null ? "-" : String.format("%.2f", r.top1()));
    }
    return 0;
  }
}
