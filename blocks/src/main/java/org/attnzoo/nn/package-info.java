/**
 * Layers that any block may use and that know nothing of a particular architecture: norms ({@code
 * LayerNorm}, {@code LayerNorm2d}, {@code BatchNorm}), convolution with norm and activation ({@code
 * ConvNormAct}), classifier heads ({@code PoolNormHead}, {@code ClassifierHead}, on {@code
 * ClassifierBlock}, whose classifier can be replaced in place), MLP, drop path, layer scale, patch
 * embedding, the reference initialisations ({@code TimmInit}), parameter paths and argument checks.
 *
 * <p>Depends on DJL's API and {@code org.attnzoo.export} only: never on {@code attention} or {@code
 * backbones}.
 */
package org.attnzoo.nn;
