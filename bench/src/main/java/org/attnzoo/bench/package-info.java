/**
 * Benchmarks, run by the scripts in {@code scripts/} and never by the test suite: latency against
 * timm, linear-attention scaling, ToSA cost, fine-tuning and gradient spikes. Each prints ratios
 * against a reference measured in the same run.
 */
package org.attnzoo.bench;
