/**
 * File formats read and written without an engine: SafeTensors, NumPy {@code .npy}, ONNX checks and
 * atomic writes. Every reader checks what it reads and fails with a message naming the file and the
 * problem, before anything is changed.
 *
 * <p>Depends on no other attnzoo package (DJL's {@code NDArray} types, Gson, the ONNX protobuf
 * classes).
 */
package org.attnzoo.zoo.io;
