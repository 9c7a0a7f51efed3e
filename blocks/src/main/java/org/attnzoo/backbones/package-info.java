/**
 * The backbone contract and what the families share: {@link org.attnzoo.backbones.Backbone} (timm's
 * {@code forward_features}, {@code forward_head}, {@code feature_info}, {@code reset_classifier}),
 * {@link org.attnzoo.backbones.AbstractBackbone} (stem, stages, head), {@link
 * org.attnzoo.backbones.BackboneConfig} and {@link org.attnzoo.backbones.BackboneBuilder} (one
 * configuration idiom), {@link org.attnzoo.backbones.FeatureInfo} and the stochastic-depth ramp.
 * One subpackage per family holds that family's blocks, model and configuration, as one timm model
 * file does.
 *
 * <p>May depend on {@code org.attnzoo.nn}, {@code org.attnzoo.attention} and {@code
 * org.attnzoo.export}; a family's subpackage depends on these and on this package, never on another
 * family's (ToSA's token-selective layers plug into ViT through {@code VitLayerFactory}).
 */
package org.attnzoo.backbones;
