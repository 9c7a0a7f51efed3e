/**
 * The {@code attnzoo} command line (picocli): list, info, predict, preprocess, run, export, train,
 * demo. Commands parse and check options, then call the libraries; the work itself lives in the zoo
 * and training packages.
 *
 * <p>The only package with an application's dependencies (picocli, a logging binding, natives).
 */
package org.attnzoo.cli;
