package org.attnzoo.training.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader of the IDX format of MNIST and Fashion-MNIST (LeCun et al.): two zero bytes, a type code
 * ({@code 0x08} unsigned byte), the number of dimensions, big-endian 32-bit dimensions, then the
 * data in row-major order. Gzip-compressed files are recognised by their magic bytes.
 */
public final class Idx {

  private static final int MAX_ELEMENTS = 1 << 30;

  private Idx() {}

  /**
   * An IDX array of unsigned bytes.
   *
   * @param dims the dimensions
   * @param data the elements, row-major
   */
  public record Array(int[] dims, byte[] data) {}

  /**
   * @param in the file's bytes (plain or gzip); not closed
   * @param source the file's name, for messages
   * @return the array
   * @throws IOException if reading fails
   * @throws IllegalArgumentException naming the source if it is not an unsigned-byte IDX file
   */
  public static Array read(InputStream in, String source) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
    buffered.mark(2);
    int b0 = buffered.read();
    int b1 = buffered.read();
    buffered.reset();
    InputStream body = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(buffered, 1 << 16) : buffered;
    DataInputStream dis = new DataInputStream(body);
    try {
      int zero = dis.readUnsignedShort();
      int type = dis.readUnsignedByte();
      int ndim = dis.readUnsignedByte();
      if (zero != 0 || ndim == 0) {
        throw new IllegalArgumentException(source + " is not an IDX file (bad magic number)");
      }
      if (type != 0x08) {
        throw new IllegalArgumentException(
            String.format(
                "%s: IDX type 0x%02x is not supported (expected 0x08, unsigned byte)",
                source, type));
      }
      int[] dims = new int[ndim];
      long n = 1;
      for (int i = 0; i < ndim; i++) {
        dims[i] = dis.readInt();
        if (dims[i] < 0) {
          throw new IllegalArgumentException(source + ": negative dimension " + dims[i]);
        }
        n *= dims[i];
      }
      if (n > MAX_ELEMENTS) {
        throw new IllegalArgumentException(
            source + ": " + Arrays.toString(dims) + " is too large to load into memory");
      }
      byte[] data = new byte[(int) n];
      dis.readFully(data);
      return new Array(dims, data);
    } catch (EOFException e) {
      throw new IllegalArgumentException(source + " is truncated", e);
    }
  }
}
