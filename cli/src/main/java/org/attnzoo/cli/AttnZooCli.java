package org.attnzoo.cli;

import ai.djl.repository.zoo.ModelNotFoundException;
import org.attnzoo.zoo.Names;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code attnzoo} command line (see {@code scripts/attnzoo}). */
@Command(
    name = "attnzoo",
    mixinStandardHelpOptions = true,
    version = "attnzoo 0.1.0",
    description = "Efficient-attention vision backbones for DJL.",
    subcommands = {
      ListCommand.class,
      InfoCommand.class,
      RunCommand.class,
      PredictCommand.class,
      SparkPredictCommand.class,
      PreprocessCommand.class,
      TrainCommand.class,
      DemoCommand.class,
      ExportCommand.class,
      CommandLine.HelpCommand.class
    })
public final class AttnZooCli {

  private AttnZooCli() {}

  /**
   * @param args command-line arguments
   */
  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /**
   * Runs a command line and returns its exit code (0 success, 1 runtime failure, 2 usage error).
   *
   * @param args command-line arguments
   * @return the exit code
   */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new AttnZooCli());
    // --help and --version on every subcommand, not only on the top level.
    for (CommandLine sub : cli.getSubcommands().values()) {
      if (sub.getCommandSpec().findOption("--help") == null) {
        sub.getCommandSpec().mixinStandardHelpOptions(true);
      }
    }
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          // Users get the message, not a stack trace: our errors say what was expected and came.
          cmd.getErr().println("attnzoo: " + withSuggestion(reason(e)));
          if (System.getenv("ATTNZOO_DEBUG") != null) {
            e.printStackTrace(cmd.getErr());
          }
          return isUsageError(e) ? 2 : 1;
        });
    return cli.execute(args);
  }

  /**
   * The sentence that says what went wrong. DJL's Predictor wraps a bad input in a {@code
   * TranslateException}: the {@link IllegalArgumentException} inside names it. DJL's {@code
   * Criteria.loadModel} throws a generic {@link ModelNotFoundException} ("No model with the
   * specified URI ...") whose cause chain carries the zoo's reason (an unknown variant, a filter no
   * artifact matches): the innermost message of that chain, with DJL's own after it.
   *
   * @param e what a command threw
   * @return the message to print
   */
  static String reason(Throwable e) {
    ModelNotFoundException notFound = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalArgumentException) {
        return t.getMessage();
      }
      if (notFound == null && t instanceof ModelNotFoundException m) {
        notFound = m;
      }
    }
    if (notFound == null) {
      return e.getMessage();
    }
    String why = null;
    for (Throwable t = notFound.getCause(); t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        why = t.getMessage();
      }
    }
    String djl = notFound.getMessage();
    if (why == null || why.equals(djl)) {
      return djl;
    }
    return djl == null ? why : why + " (" + djl + ")";
  }

  /** Bad input, and a request naming no model, are the user's to fix: exit code 2. */
  private static boolean isUsageError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalArgumentException || t instanceof ModelNotFoundException) {
        return true;
      }
    }
    return false;
  }

  private static final java.util.regex.Pattern UNKNOWN_VARIANT =
      java.util.regex.Pattern.compile("Unknown variant '([^']*)'");

  /**
   * Adds "did you mean" to {@code Variants.get}'s message for a mistyped variant, whichever command
   * met it: the full list of names alone does not show which one was meant.
   */
  static String withSuggestion(String message) {
    java.util.regex.Matcher m = UNKNOWN_VARIANT.matcher(String.valueOf(message));
    if (!m.find()) {
      return message;
    }
    java.util.List<String> near =
        Names.closest(
            m.group(1),
            org.attnzoo.zoo.Variants.ALL.stream().map(org.attnzoo.zoo.Variant::name).toList());
    return near.isEmpty()
        ? message
        : "Unknown variant '"
            + m.group(1)
            + "'. Did you mean "
            + String.join(" or ", near)
            + "? (attnzoo list shows all)";
  }
}
